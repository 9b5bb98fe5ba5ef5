// The approved listeners of a host: a human-editable YAML (or JSON) file, and how verify compares
// the listeners it finds with it.
import { Document, isMap, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { EarshotError, quote } from '../errors.js';
import type { Protocol } from '../model.js';
import {
  hasUnsafeCharacters,
  UNSAFE_BEYOND_C0,
  UNSAFE_CHARACTERS,
  unicodeEscape,
  visibleEscape,
} from '../unsafe-characters.js';
import { canonicalAddress } from './coverage.js';

/** One approved listener; every field given must match, an omitted one matches anything. */
export interface BaselineEntry {
  protocol: Protocol;
  /** Fixed port; RPC services give `rpc` instead, since their ports move on restart. */
  port?: number;
  /** ONC RPC program number registered with the portmapper. */
  rpc?: number;
  address?: string;
  exe?: string;
  user?: string;
  note?: string;
}

/** A parsed baseline file. */
export interface Baseline {
  version: 1;
  listeners: BaselineEntry[];
}

/** What a listener looks like when held against the baseline. */
export interface BaselineCandidate {
  protocol: Protocol;
  port: number;
  address: string;
  rpcPrograms: readonly number[];
  exes: readonly string[];
  users: readonly string[];
  /** False when owners could not be seen: exe and user then cannot disagree. */
  ownersKnown: boolean;
}

const ENTRY_KEYS = new Set(['protocol', 'port', 'rpc', 'address', 'exe', 'user', 'note']);

/** Parses baseline text; any problem is ERR_BASELINE naming the file and line. */
export function parseBaseline(text: string, fileName: string): Baseline {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const fail = (offset: number | undefined, problem: string): never => {
    const where = offset === undefined ? '' : `:${lineCounter.linePos(offset).line}`;
    throw new EarshotError('ERR_BASELINE', `Invalid baseline ${fileName}${where}: ${problem}`);
  };
  const syntaxError = document.errors[0];
  if (syntaxError) fail(syntaxError.pos[0], syntaxError.message.split('\n')[0] ?? 'syntax error');
  const root = document.contents;
  if (!isMap(root)) return fail(root?.range?.[0], 'expected a mapping with "version: 1" and "listeners:".');
  const version = (root.toJSON() as Record<string, unknown>).version;
  if (version !== 1) fail(root.range?.[0], `expected "version: 1", found ${quote(version ?? null)}.`);
  const listenersNode = root.get('listeners', true);
  if (listenersNode === undefined || listenersNode === null) return { version: 1, listeners: [] };
  if (!isSeq(listenersNode)) return fail(root.range?.[0], '"listeners" must be a list of entries.');

  const listeners = listenersNode.items.map((item): BaselineEntry => {
    const at = (item as { range?: [number, number, number] }).range?.[0];
    if (!isMap(item))
      return fail(at, 'each listener must be a mapping such as "{ protocol: tcp, port: 22 }".');
    const raw = item.toJSON() as Record<string, unknown>;
    for (const key of Object.keys(raw)) {
      if (!ENTRY_KEYS.has(key))
        fail(at, `unknown field ${quote(key)} (known: ${[...ENTRY_KEYS].join(', ')}).`);
    }
    if (raw.protocol !== 'tcp' && raw.protocol !== 'udp') fail(at, 'field "protocol" must be tcp or udp.');
    const entry: BaselineEntry = { protocol: raw.protocol as Protocol };
    if (raw.port !== undefined) {
      if (!Number.isInteger(raw.port) || (raw.port as number) < 0 || (raw.port as number) > 65535) {
        fail(at, `field "port" must be a whole number from 0 to 65535, not ${quote(raw.port)}.`);
      }
      entry.port = raw.port as number;
    }
    if (raw.rpc !== undefined) {
      if (!Number.isInteger(raw.rpc) || (raw.rpc as number) < 0)
        fail(at, 'field "rpc" must be an RPC program number.');
      entry.rpc = raw.rpc as number;
    }
    if (entry.port === undefined && entry.rpc === undefined) fail(at, 'each listener needs "port" or "rpc".');
    for (const key of ['address', 'exe', 'user', 'note'] as const) {
      const value = raw[key];
      if (value === undefined) continue;
      if (typeof value !== 'string' || value === '') fail(at, `field "${key}" must be non-empty text.`);
      entry[key] = value as string;
    }
    if (entry.address !== undefined) entry.address = canonicalAddress(entry.address).text;
    return entry;
  });
  return { version: 1, listeners };
}

/** True when `entry` approves `candidate`. */
export function baselineMatches(entry: BaselineEntry, candidate: BaselineCandidate): boolean {
  if (entry.protocol !== candidate.protocol) return false;
  if (entry.port !== undefined && entry.port !== candidate.port) return false;
  if (entry.rpc !== undefined && !candidate.rpcPrograms.includes(entry.rpc)) return false;
  if (entry.address !== undefined && entry.address !== candidate.address) return false;
  if (candidate.ownersKnown) {
    if (entry.exe !== undefined && !candidate.exes.includes(entry.exe)) return false;
    if (entry.user !== undefined && !candidate.users.includes(entry.user)) return false;
  }
  return true;
}

/** One-line description of an entry, for messages. */
export function describeBaselineEntry(entry: BaselineEntry): string {
  const where = entry.rpc !== undefined ? `RPC program ${entry.rpc}` : `port ${entry.port}`;
  const parts = [`${entry.protocol} ${where}`];
  if (entry.address) parts.push(`on ${entry.address}`);
  if (entry.exe) parts.push(`by ${entry.exe}`);
  if (entry.user) parts.push(`as ${entry.user}`);
  return parts.join(' ');
}

/** Builds a baseline approving exactly these listeners; RPC services are recorded by program. */
export function createBaseline(candidates: readonly BaselineCandidate[]): Baseline {
  const seen = new Set<string>();
  const listeners: BaselineEntry[] = [];
  for (const candidate of candidates) {
    const entry: BaselineEntry = { protocol: candidate.protocol };
    if (candidate.rpcPrograms.length > 0) entry.rpc = Math.min(...candidate.rpcPrograms);
    else entry.port = candidate.port;
    entry.address = candidate.address;
    if (candidate.ownersKnown && candidate.exes[0]) entry.exe = candidate.exes[0];
    if (candidate.ownersKnown && candidate.users[0]) entry.user = candidate.users[0];
    const key = JSON.stringify(entry);
    if (seen.has(key)) continue;
    seen.add(key);
    listeners.push(entry);
  }
  listeners.sort(
    (a, b) =>
      a.protocol.localeCompare(b.protocol) ||
      (a.port ?? -1) - (b.port ?? -1) ||
      (a.rpc ?? 0) - (b.rpc ?? 0) ||
      (a.address ?? '').localeCompare(b.address ?? ''),
  );
  return { version: 1, listeners };
}

// The policy's characters that the yaml package leaves raw inside double-quoted scalars (it escapes
// C0 itself): YAML 1.2 §5.7 reads \uXXXX there back to the same character.
const RAW_IN_DOUBLE_QUOTES = new RegExp(`[\\u007f${UNSAFE_BEYOND_C0.source.slice(1)}`, 'g');

/**
 * The baseline as commented YAML, ready to review and edit. A value holding an unsafe character (an
 * exe path with U+009B or U+202E) is written double-quoted with that character as \uXXXX: the file
 * shows no control to a terminal or an editor, and reads back to the very same value.
 */
export function formatBaseline(baseline: Baseline, header: string): string {
  const comment = [
    header.replace(UNSAFE_CHARACTERS, visibleEscape),
    'Approved listeners for `earshot verify --baseline`. Edit freely: each entry matches a listener',
    'by every field it gives (protocol, port or rpc, address, exe, user); omit a field to match any.',
    'RPC services are matched by program number (rpc:), since their ports move on restart.',
  ]
    .map((line) => `# ${line}`)
    .join('\n');
  const document = new Document(baseline);
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && hasUnsafeCharacters(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  const yaml = document.toString({ lineWidth: 0 }).replace(RAW_IN_DOUBLE_QUOTES, unicodeEscape);
  return `${comment}\n${yaml}`;
}
