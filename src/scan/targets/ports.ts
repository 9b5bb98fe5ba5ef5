// Port specifications in nmap's syntax (`-p 22,80,8000-8100`, `-p-`) and the default TCP and UDP port sets.
import type { ServiceCatalog } from '../../catalog/services.js';
import { EarshotError, quote } from '../../errors.js';
import type { Protocol } from '../../model.js';

const MAX_PORT = 65535;

const portSpecError = (spec: string, why: string): EarshotError =>
  new EarshotError('ERR_PORT_SPEC', `Invalid port spec ${quote(spec)}: ${why}`);

/** Reads one port number of a spec item; errors quote the whole `spec`. */
function readPort(text: string, spec: string, allowZero: boolean): number {
  if (!/^\d+$/.test(text)) {
    const hint = /^[a-z][\w-]*$/i.test(text)
      ? ` give port numbers (\`earshot services ${text}\` shows the port of a service name).`
      : ' give numbers 1-65535, ranges like "8000-8100", or "-" for every port.';
    throw portSpecError(spec, `${quote(text)} is not a port number;${hint}`);
  }
  const port = Number(text);
  if (port > MAX_PORT) {
    throw portSpecError(spec, `port ${text} is above 65535; ports run from 1 to 65535.`);
  }
  if (port === 0 && !allowZero) {
    // nmap scans port 0 only when it is named on purpose: it is reserved and rarely wanted.
    throw portSpecError(
      spec,
      'port 0 is reserved and scanned only on request; start at 1, or allow port 0 explicitly (--allow-port-zero).',
    );
  }
  return port;
}

/** Parses nmap port syntax: "22,80,8000-8100", "-" or "1-65535" (what -p- means), "-1024", "60000-". */
export function parsePortSpec(spec: string, options: { allowZero?: boolean } = {}): number[] {
  const allowZero = options.allowZero === true;
  const trimmed = spec.trim();
  if (trimmed === '') {
    throw portSpecError(spec, 'it is empty; give ports like "22,80,8000-8100", or "-" for every port.');
  }
  const prefix = /^([A-Za-z]):/.exec(trimmed);
  if (prefix) {
    throw portSpecError(
      spec,
      `protocol prefixes like "${prefix[1]}:" are not supported; give plain ports, e.g. "${trimmed.slice(2) || '22,80'}".`,
    );
  }
  const wanted = new Uint8Array(MAX_PORT + 1);
  for (const rawItem of trimmed.split(',')) {
    const item = rawItem.trim();
    if (item === '') {
      throw portSpecError(spec, 'it has an empty entry between commas; remove the extra comma.');
    }
    const dash = item.indexOf('-');
    let first: number;
    let last: number;
    if (dash === -1) {
      first = readPort(item, spec, allowZero);
      last = first;
    } else {
      const startText = item.slice(0, dash).trim();
      const endText = item.slice(dash + 1).trim();
      // nmap: an omitted start means 1, an omitted end means 65535.
      first = startText === '' ? 1 : readPort(startText, spec, allowZero);
      last = endText === '' ? MAX_PORT : readPort(endText, spec, allowZero);
      if (last < first) {
        throw new EarshotError(
          'ERR_PORT_SPEC',
          `Invalid port range ${quote(item)}: the end is below the start; write "${last}-${first}".`,
        );
      }
    }
    wanted.fill(1, first, last + 1);
  }
  const ports: number[] = [];
  for (let port = 0; port <= MAX_PORT; port++) if (wanted[port] === 1) ports.push(port);
  return ports;
}

/** The default TCP set, as the seed's nmap scanned: 1-1024 plus every higher port the catalog names. */
export function defaultTcpPorts(catalog: ServiceCatalog): number[] {
  return defaultPorts(catalog, 'tcp');
}

/** The default port set of a scan of `protocol`: 1-1024 and every port the catalog names for it. */
export function defaultPorts(catalog: ServiceCatalog, protocol: Protocol): number[] {
  const ports: number[] = [];
  for (let port = 1; port <= 1024; port++) ports.push(port);
  for (const port of catalog.namedPorts(protocol)) if (port > 1024 && port <= MAX_PORT) ports.push(port);
  return ports;
}

/** Writes ports back in nmap syntax, compactly: [1..1024, 1080, 3306] → "1-1024,1080,3306". */
export function formatPortSpec(ports: readonly number[]): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const items: string[] = [];
  let index = 0;
  while (index < sorted.length) {
    const first = sorted[index]!;
    let last = first;
    while (index + 1 < sorted.length && sorted[index + 1] === last + 1) last = sorted[++index]!;
    items.push(first === last ? String(first) : `${first}-${last}`);
    index++;
  }
  return items.join(',');
}
