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

/** The baseline's top level and entries as plain values, each with where it sits for messages. */
interface BaselineSourceText {
  version: unknown;
  /** Undefined when the file has no "listeners" key. */
  listeners: { value: unknown; where: string }[] | 'not-a-list' | undefined;
  rootWhere: string;
}

type Fail = (where: string, problem: string) => never;

// YAML (what `baseline save` writes): the yaml package's document keeps each entry's line.
function readYamlBaseline(text: string, fail: Fail): BaselineSourceText {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const line = (offset: number | undefined) =>
    offset === undefined ? '' : `:${lineCounter.linePos(offset).line}`;
  const syntaxError = document.errors[0];
  if (syntaxError) fail(line(syntaxError.pos[0]), syntaxError.message.split('\n')[0] ?? 'syntax error');
  const root = document.contents;
  if (!isMap(root))
    return fail(line(root?.range?.[0]), 'expected a mapping with "version: 1" and "listeners:".');
  const rootWhere = line(root.range?.[0]);
  const version = (root.toJSON() as Record<string, unknown>).version;
  const node = root.get('listeners', true);
  if (node === undefined || node === null) return { version, listeners: undefined, rootWhere };
  if (!isSeq(node)) return { version, listeners: 'not-a-list', rootWhere };
  const listeners = node.items.map((item) => ({
    value: isMap(item) ? item.toJSON() : null,
    where: line((item as { range?: [number, number, number] }).range?.[0]),
  }));
  return { version, listeners, rootWhere };
}

// JSON, read with JSON.parse: the yaml package reads 130,000 entries in tens of seconds, JSON.parse
// in a fraction of one. Entries are named by their place in the list instead of a line. Null when
// the text is not JSON (a YAML flow mapping such as "{version: 1}" also starts with "{").
function readJsonBaseline(text: string, fail: Fail): BaselineSourceText | null {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    return fail('', 'expected an object with "version": 1 and "listeners".');
  }
  const { version, listeners } = root as Record<string, unknown>;
  if (listeners === undefined || listeners === null) return { version, listeners: undefined, rootWhere: '' };
  if (!Array.isArray(listeners)) return { version, listeners: 'not-a-list', rootWhere: '' };
  return {
    version,
    listeners: listeners.map((value: unknown, index) => ({
      value: typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null,
      where: ` listener ${index + 1}`,
    })),
    rootWhere: '',
  };
}

/** Parses baseline text (YAML, or JSON); any problem is ERR_BASELINE naming the file and line. */
export function parseBaseline(text: string, fileName: string): Baseline {
  const fail: Fail = (where, problem) => {
    throw new EarshotError('ERR_BASELINE', `Invalid baseline ${fileName}${where}: ${problem}`);
  };
  const json = /^\uFEFF?\s*\{/.test(text) ? readJsonBaseline(text.replace(/^\uFEFF/, ''), fail) : null;
  const source = json ?? readYamlBaseline(text, fail);
  if (source.version !== 1)
    fail(source.rootWhere, `expected "version: 1", found ${quote(source.version ?? null)}.`);
  if (source.listeners === undefined) return { version: 1, listeners: [] };
  if (source.listeners === 'not-a-list')
    return fail(source.rootWhere, '"listeners" must be a list of entries.');
  const listeners: BaselineEntry[] = [];
  for (const { value, where } of source.listeners)
    listeners.push(parseEntry(value, (problem) => fail(where, problem)));
  return { version: 1, listeners };
}

function parseEntry(value: unknown, fail: (problem: string) => never): BaselineEntry {
  if (value === null) return fail('each listener must be a mapping such as "{ protocol: tcp, port: 22 }".');
  const raw = value as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!ENTRY_KEYS.has(key)) fail(`unknown field ${quote(key)} (known: ${[...ENTRY_KEYS].join(', ')}).`);
  }
  if (raw.protocol !== 'tcp' && raw.protocol !== 'udp') fail('field "protocol" must be tcp or udp.');
  const entry: BaselineEntry = { protocol: raw.protocol as Protocol };
  if (raw.port !== undefined) {
    if (!Number.isInteger(raw.port) || (raw.port as number) < 0 || (raw.port as number) > 65535) {
      fail(`field "port" must be a whole number from 0 to 65535, not ${quote(raw.port)}.`);
    }
    entry.port = raw.port as number;
  }
  if (raw.rpc !== undefined) {
    if (!Number.isInteger(raw.rpc) || (raw.rpc as number) < 0)
      fail('field "rpc" must be an RPC program number.');
    entry.rpc = raw.rpc as number;
  }
  if (entry.port === undefined && entry.rpc === undefined) fail('each listener needs "port" or "rpc".');
  for (const key of ['address', 'exe', 'user', 'note'] as const) {
    const text = raw[key];
    if (text === undefined) continue;
    if (typeof text !== 'string' || text === '') fail(`field "${key}" must be non-empty text.`);
    entry[key] = text as string;
  }
  if (entry.address !== undefined) entry.address = canonicalAddress(entry.address).text;
  return entry;
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
    if (candidate.rpcPrograms.length > 0) entry.rpc = candidate.rpcPrograms.reduce((a, b) => Math.min(a, b));
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
