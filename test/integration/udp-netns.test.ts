// earshot scan -sU against a namespace host with open (echo, dnsmasq, rpcbind), closed, silent,
// dropped and rejected UDP ports, with the host's ICMP rate limit off and at the kernel default;
// nmap -sU in the scanner namespace as the oracle.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostResult, PortState, ScanReport } from '../../src/model.js';
import { runEarshot } from '../helpers/cli.js';
import { meets, subtestNeeding } from '../helpers/needs.js';
import { type Netns, skipUnlessRoot, withNetns } from '../helpers/netns/netns.js';
import { linkNamespaces } from '../helpers/netns/veth.js';

const ECHO = 7;
const DNS = 53;
const RPC = 111;
const SILENT = 4000;
const DROPPED = 4020;
const REJECTED = 4030;
const CLOSED = [4001, 4002, 4003, 4004, 4005, 4006, 4007, 4008, 4009, 4010];
const PORTS = [ECHO, DNS, RPC, SILENT, ...CLOSED, DROPPED, REJECTED];

const EXPECTED = new Map<number, PortState>([
  [ECHO, 'open'],
  [DNS, 'open'],
  [RPC, 'open'],
  [SILENT, 'open|filtered'],
  [DROPPED, 'open|filtered'],
  [REJECTED, 'filtered'],
  ...CLOSED.map((port) => [port, 'closed'] as const),
]);

/** Every port's state, folded ones included. */
function statesOf(host: HostResult, ports: readonly number[]): Map<number, PortState> {
  const states = new Map<number, PortState>();
  for (const port of host.ports) states.set(port.port, port.state);
  const folded = host.extraPorts[0]?.state;
  for (const port of ports) if (!states.has(port) && folded) states.set(port, folded);
  return states;
}

async function startUdpServices(host: Netns, address: string): Promise<void> {
  await host.listen([
    `udp:0.0.0.0:${ECHO}`,
    `udpsilent:0.0.0.0:${SILENT}`,
    `udp:[::]:${ECHO}`,
    `udpsilent:[::]:${SILENT}`,
  ]);
  const dns = host.spawn('dnsmasq', [
    '-k',
    '--no-resolv',
    '--no-hosts',
    '--pid-file=',
    '--conf-file=/dev/null',
    '--user=root',
    `--port=${DNS}`,
    `--listen-address=${address}`,
    '--bind-interfaces',
    '--log-facility=-',
  ]);
  // rpcbind wants its own /run (docs/netns.md, "Real RPC services in a namespace").
  const rpc = host.spawn('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs tmpfs /run && exec rpcbind -f']);
  for (const child of [dns, rpc]) {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  for (let i = 0; i < 50; i++) {
    const ss = await host.exec('ss', ['-uanH']);
    if (ss.stdout.includes(`:${DNS} `) && ss.stdout.includes(`:${RPC} `)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const [port, rule] of [
    [DROPPED, ['-j', 'DROP']],
    [REJECTED, ['-j', 'REJECT', '--reject-with', 'icmp-admin-prohibited']],
  ] as const) {
    await host.execOk('iptables', ['-A', 'INPUT', '-p', 'udp', '--dport', String(port), ...rule]);
  }
}

/** nmap -sU's state of every port it lists (`-oG`); callers scan few enough ports that none are folded. */
async function nmapUdpStates(scanner: Netns, args: string[]): Promise<Map<number, PortState>> {
  const nmap = await scanner.exec('nmap', ['-n', '-sU', '-Pn', '-oG', '-', ...args], { timeoutMs: 120_000 });
  const states = new Map<number, PortState>();
  for (const entry of (/Ports: ([^\t\n]*)/.exec(nmap.stdout)?.[1] ?? '').split(', ')) {
    const [port, state] = entry.split('/');
    if (port) states.set(Number(port), state as PortState);
  }
  return states;
}

async function scanUdp(scanner: Netns, address: string, ports: readonly number[] = PORTS) {
  const started = Date.now();
  const result = await runEarshot(['scan', '-sU', '--json', '-Pn', '-p', ports.join(','), address], {
    netns: scanner,
    timeoutMs: 120_000,
  });
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as ScanReport;
  return { report, host: report.hosts[0]!, ms: Date.now() - started };
}

describe('earshot scan -sU in namespaces', { skip: skipUnlessRoot }, () => {
  it('open, closed, silent, dropped and rejected ports, ICMP rate limit off and default; nmap agrees', async (t) => {
    if (!meets(t, { commands: ['dnsmasq', 'rpcbind', 'iptables'] })) return;
    await withNetns('uscan', async (scanner) => {
      await withNetns('uhost', async (host) => {
        const link = await linkNamespaces(scanner, host);
        await startUdpServices(host, link.bV4);

        await host.execOk('sysctl', ['-qw', 'net.ipv4.icmp_ratelimit=0']);
        const fast = await scanUdp(scanner, link.bV4);
        assert.deepEqual(statesOf(fast.host, PORTS), EXPECTED, 'rate limit off');
        const rpc = fast.host.ports.find((p) => p.port === RPC)!;
        assert.equal(rpc.reason, 'udp-response', 'the portmapper payload got rpcbind to answer');
        assert.equal(fast.host.ports.find((p) => p.port === REJECTED)?.reason, 'host-unreach');
        assert.deepEqual(
          fast.report.scanInfo.map((s) => s.type),
          ['udp'],
        );

        await subtestNeeding(t, 'nmap -sU agrees', { commands: ['nmap'] }, async () => {
          const nmap = await nmapUdpStates(scanner, ['-p', PORTS.join(','), link.bV4]);
          assert.deepEqual(statesOf(fast.host, PORTS), nmap);
        });

        // The kernel default: one port-unreachable per second after a burst of a few. Pacing must
        // still get every closed port its answer.
        await host.execOk('sysctl', ['-qw', 'net.ipv4.icmp_ratelimit=1000']);
        const paced = await scanUdp(scanner, link.bV4);
        assert.deepEqual(statesOf(paced.host, PORTS), EXPECTED, 'default rate limit');
        t.diagnostic(`rate limit off: ${fast.ms} ms; default rate limit: ${paced.ms} ms`);

        // IPv6 at its default rate limit (100 ms per peer); no firewall rules there.
        const v6Ports = [ECHO, RPC, SILENT, ...CLOSED];
        const v6 = await scanUdp(scanner, link.bV6, v6Ports);
        assert.deepEqual(
          statesOf(v6.host, v6Ports),
          new Map(v6Ports.map((port) => [port, EXPECTED.get(port)!])),
          'IPv6, default rate limit',
        );
        await subtestNeeding(t, 'nmap -6 -sU agrees', { commands: ['nmap'] }, async () => {
          const nmap = await nmapUdpStates(scanner, ['-6', '-p', v6Ports.join(','), link.bV6]);
          assert.deepEqual(statesOf(v6.host, v6Ports), nmap);
        });
        t.diagnostic(`IPv6: ${v6.ms} ms`);
      });
    });
  });

  it('a full -sU -p- of 127.0.0.1 equals nmap, and -sT -sU gives one report with two scan infos', async (t) => {
    await withNetns('uloop', async (ns) => {
      await ns.listen([
        'udp:127.0.0.1:53',
        'udp:127.0.0.1:40000',
        'udpsilent:127.0.0.1:45000',
        'tcp:127.0.0.1:22',
      ]);
      for (let round = 0; round < 2; round++) {
        const result = await runEarshot(['scan', '-sU', '--json', '-p-', '127.0.0.1'], { netns: ns });
        assert.equal(result.code, 0, result.stderr);
        const host = (JSON.parse(result.stdout) as ScanReport).hosts[0]!;
        assert.deepEqual(
          host.ports.map((p) => `${p.port}/${p.state}`),
          ['53/open', '40000/open', '45000/open|filtered'],
          `round ${round}: no own socket mistaken for a listener`,
        );
        assert.deepEqual(host.extraPorts, [
          { state: 'closed', count: 65532, reasons: { 'port-unreach': 65532 }, protocol: 'udp' },
        ]);
      }
      await subtestNeeding(t, 'nmap -sU -p- agrees', { commands: ['nmap'] }, async () => {
        const nmap = await ns.exec('nmap', ['-n', '-sU', '-p-', '-oG', '-', '127.0.0.1'], {
          timeoutMs: 120_000,
        });
        assert.match(nmap.stdout, /53\/open\/udp/);
        assert.match(nmap.stdout, /40000\/open\/udp/);
        assert.match(nmap.stdout, /45000\/open\|filtered\/udp/);
      });
      const both = await runEarshot(['scan', '-sT', '-sU', '--json', '-p', '22,53,45000', '127.0.0.1'], {
        netns: ns,
      });
      assert.equal(both.code, 0, both.stderr);
      const report = JSON.parse(both.stdout) as ScanReport;
      assert.deepEqual(
        report.scanInfo.map((s) => `${s.type}/${s.protocol}`),
        ['connect/tcp', 'udp/udp'],
      );
      assert.deepEqual(
        report.hosts[0]!.ports.map((p) => `${p.port}/${p.protocol}/${p.state}`),
        ['22/tcp/open', '53/udp/open', '45000/udp/open|filtered'],
      );
      const text = await runEarshot(['scan', '-sT', '-sU', '-p', '22,53,45000', '127.0.0.1'], { netns: ns });
      assert.match(text.stdout, /Not shown: 2 closed tcp ports/);
      assert.match(text.stdout, /Not shown: 1 closed udp ports/);
    });
  });
});

describe("earshot scan -sU of this host's own interface addresses", { skip: skipUnlessRoot }, () => {
  it('finds exactly the listener: its own probe sockets are not taken for open ports', async () => {
    await withNetns('uown', async (ns) => {
      await withNetns('upeer', async (peer) => {
        const link = await linkNamespaces(ns, peer);
        await ns.listen(['udp:0.0.0.0:40000', 'udp:[::]:40000']);
        for (const address of [link.aV4, link.aV6, link.aV4]) {
          const result = await runEarshot(['scan', '-sU', '--json', '-p-', address], {
            netns: ns,
            timeoutMs: 120_000,
          });
          assert.equal(result.code, 0, result.stderr);
          const host = (JSON.parse(result.stdout) as ScanReport).hosts[0]!;
          assert.equal(host.statusReason, 'localhost-response', 'an own address is up without probing');
          assert.deepEqual(
            host.ports.map((p) => `${p.port}/${p.state}`),
            ['40000/open'],
            `${address}: no own socket mistaken for a listener`,
          );
          assert.deepEqual(host.extraPorts, [
            { state: 'closed', count: 65534, reasons: { 'port-unreach': 65534 }, protocol: 'udp' },
          ]);
        }
      });
    });
  });
});
