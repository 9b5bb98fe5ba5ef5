// netfilter's connection table, read from /proc/net/nf_conntrack: after the scan connects through a
// DNAT or REDIRECT rule, the entry's reply tuple names where the connection really went.
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { readBoundedTextFile, readFailure } from '../io/bounded-read.js';
import { INPUT_FILES } from '../io/input-files.js';
import type { AddressFamily, ConntrackEntry, Protocol } from '../model.js';

/** The conntrack table, or why it could not be read. */
export interface ConntrackTable {
  available: boolean;
  /** Why the table is unavailable (or where it was read from). */
  detail: string;
  entries: ConntrackEntry[];
}

type Tuple = ConntrackEntry['original'];

function normalizeAddress(text: string): string | null {
  return ipaddr.isValid(text) ? ipaddr.parse(text).toString() : null;
}

/**
 * Parses nf_conntrack lines: `ipv4 2 tcp 6 <timeout> [STATE] src= dst= sport= dport= [flags]
 * src= dst= sport= dport= ...`. The first tuple is the original direction, the second the reply.
 * Lines for other protocols or without both tuples are skipped.
 */
export function parseConntrack(text: string): ConntrackEntry[] {
  const entries: ConntrackEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const family: AddressFamily | null = fields[0] === 'ipv4' ? 'ipv4' : fields[0] === 'ipv6' ? 'ipv6' : null;
    const protocol = fields[2];
    if (!family || (protocol !== 'tcp' && protocol !== 'udp')) continue;
    const tuples: Partial<Record<'src' | 'dst' | 'sport' | 'dport', string>>[] = [];
    for (const field of fields) {
      const eq = field.indexOf('=');
      if (eq === -1) continue;
      const key = field.slice(0, eq);
      if (key !== 'src' && key !== 'dst' && key !== 'sport' && key !== 'dport') continue;
      // A repeated key starts the next tuple (the reply direction follows the original).
      let current = tuples[tuples.length - 1];
      if (!current || current[key] !== undefined) {
        current = {};
        tuples.push(current);
      }
      current[key] = field.slice(eq + 1);
    }
    const [original, reply] = tuples.map(toTuple);
    if (original && reply) entries.push({ protocol: protocol as Protocol, family, original, reply });
  }
  return entries;
}

function toTuple(raw: Partial<Record<'src' | 'dst' | 'sport' | 'dport', string>>): Tuple | null {
  const source = raw.src ? normalizeAddress(raw.src) : null;
  const destination = raw.dst ? normalizeAddress(raw.dst) : null;
  const sourcePort = Number(raw.sport);
  const destinationPort = Number(raw.dport);
  if (!source || !destination || !Number.isInteger(sourcePort) || !Number.isInteger(destinationPort))
    return null;
  return { source, sourcePort, destination, destinationPort };
}

/** Reads `<procRoot>/net/nf_conntrack`; absence or EACCES is an unavailable witness, not an error. */
export async function readConntrack(options: { procRoot?: string } = {}): Promise<ConntrackTable> {
  const path = join(options.procRoot ?? '/proc', 'net', 'nf_conntrack');
  try {
    const text = await readBoundedTextFile(path, { kind: INPUT_FILES.conntrack });
    return { available: true, detail: `read ${path}`, entries: parseConntrack(text) };
  } catch (error) {
    const code = readFailure(error);
    const detail =
      code === 'ENOENT'
        ? `${path} does not exist (no connection tracking loaded, or built without procfs support)`
        : code === 'EACCES'
          ? `${path} is not readable: run as root`
          : `${path} could not be read (${code})`;
    return { available: false, detail, entries: [] };
  }
}
