// nmap as the oracle: runs a connect scan inside a namespace and reads its grepable output.
import type { Netns } from '../netns/netns.js';

/** Port → state as nmap -sT sees it; ports nmap folded away are absent (see `ignored`). */
export interface NmapView {
  states: Map<number, string>;
  ignored: string | null;
}

/** Runs `nmap -n -sT -Pn -p PORTS ADDRESS` in `ns` and parses `-oG -`. */
export async function nmapConnectScan(ns: Netns, address: string, ports: string): Promise<NmapView> {
  const args = ['-n', '-sT', '-Pn', '-p', ports, '-oG', '-', address];
  // ICMPv6 errors reach connect() ~1 s late on veth (docs/netns.md): with its default timeouts nmap
  // sometimes calls a REJECT "filtered" under load. Give it the time our engine takes.
  if (address.includes(':')) args.unshift('-6', '--min-rtt-timeout', '1500ms');
  const result = await ns.exec('nmap', args, { timeoutMs: 120_000 });
  if (result.code !== 0) throw new Error(`nmap failed: ${result.stderr}`);
  const states = new Map<number, string>();
  const portsField = /Ports: ([^\t\n]*)/.exec(result.stdout)?.[1] ?? '';
  for (const entry of portsField.split(', ').filter(Boolean)) {
    const [port, state] = entry.split('/');
    states.set(Number(port), state!);
  }
  const ignored = /Ignored State: (\S+)/.exec(result.stdout)?.[1] ?? null;
  return { states, ignored };
}
