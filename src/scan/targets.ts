// Target specifications → a lazy stream of addresses. Everything is validated and every name resolved
// here, before the first packet; ranges are counted and walked without being materialised.
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import ipaddr from 'ipaddr.js';
import { EarshotError, errnoCode } from '../errors.js';
import type { AddressFamily } from '../model.js';
import {
  type AddressProduct,
  ProductDifference,
  productContains,
  singleProduct,
  singleValues,
} from './address-set.js';
import {
  type ParsedTarget,
  parseTargetToken,
  prefixResolved,
  splitCommaList,
  type TargetToken,
  type TokenOrigin,
} from './target-parse.js';

/** One address to scan, with the names the user gave for it. */
export interface ScanTarget {
  address: string;
  family: AddressFamily;
  hostnames: string[];
}

/** What the user asked to scan: nmap's targets, -iL, --exclude and --exclude-file. */
export interface TargetSpec {
  targets: string[];
  inputFile?: string;
  exclude?: string[];
  excludeFile?: string;
}

/** The validated targets: an exact count and a lazy, repeatable walk in the order given. */
export interface PreparedTargets {
  /** Addresses after exclusion and de-duplication (a /64 is 2^64). */
  readonly count: bigint;
  [Symbol.iterator](): Iterator<ScanTarget>;
}

/** Resolves a host name to its addresses, first choice first. */
export type TargetResolver = (hostname: string) => Promise<{ address: string; family: AddressFamily }[]>;

/** Options of prepareTargets. */
export interface PrepareTargetsOptions {
  /** Default: dns.lookup with every address, in the resolver's order. */
  resolve?: TargetResolver;
  signal?: AbortSignal;
}

const RESOLVE_CONCURRENCY = 8;

const defaultResolve: TargetResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => ({
    address: entry.address,
    family: entry.family === 6 ? 'ipv6' : 'ipv4',
  }));

/** Reads a -iL or --exclude-file file into tokens: whitespace-separated, "#" starts a comment. */
async function readTokenFile(
  path: string,
  role: TokenOrigin['role'],
  signal?: AbortSignal,
): Promise<TargetToken[]> {
  const what = role === 'target' ? 'target file' : 'exclude file';
  let text: string;
  try {
    text = await readFile(path, { encoding: 'utf8', signal });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new EarshotError(
      'ERR_TARGET_FILE',
      `Cannot read the ${what} ${JSON.stringify(path)} (${errnoCode(error) ?? String(error)}): check the path and its permissions.`,
      { cause: error },
    );
  }
  const tokens: TargetToken[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const hash = rawLine.indexOf('#');
    const line = hash === -1 ? rawLine : rawLine.slice(0, hash);
    const origin: TokenOrigin = { role, where: `${path} line ${index + 1}` };
    for (const word of line.split(/\s+/)) {
      if (word === '') continue;
      const texts = role === 'exclude' ? splitCommaList(word) : [word];
      for (const piece of texts) tokens.push({ text: piece, origin });
    }
  });
  if (tokens.length === 0 && role === 'target') {
    throw new EarshotError(
      'ERR_TARGET_FILE',
      `The target file ${JSON.stringify(path)} lists no targets: put one or more per line ("#" starts a comment).`,
    );
  }
  return tokens;
}

/** Resolves every distinct name once, a few at a time; rejects with ERR_TARGET_RESOLVE or signal.reason. */
async function resolveNames(
  names: string[],
  resolve: TargetResolver,
  signal?: AbortSignal,
): Promise<Map<string, { address: string; family: AddressFamily }[]>> {
  const results = new Map<string, { address: string; family: AddressFamily }[]>();
  let aborted: (() => void) | undefined;
  const abortPromise = new Promise<never>((_, reject) => {
    aborted = () => reject(signal?.reason);
    signal?.addEventListener('abort', aborted, { once: true });
  });
  abortPromise.catch(() => {});
  const queue = [...names];
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      signal?.throwIfAborted();
      let found: { address: string; family: AddressFamily }[];
      try {
        found = await Promise.race([resolve(name), abortPromise]);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw new EarshotError(
          'ERR_TARGET_RESOLVE',
          `Cannot resolve ${JSON.stringify(name)} (${errnoCode(error) ?? String(error)}): check the name, or give its IP address.`,
          { cause: error },
        );
      }
      if (found.length === 0) {
        throw new EarshotError(
          'ERR_TARGET_RESOLVE',
          `Cannot resolve ${JSON.stringify(name)}: it has no addresses; check the name, or give its IP address.`,
        );
      }
      results.set(name, found);
    }
  };
  try {
    signal?.throwIfAborted();
    await Promise.all(Array.from({ length: Math.min(RESOLVE_CONCURRENCY, names.length) }, worker));
  } finally {
    if (aborted) signal?.removeEventListener('abort', aborted);
  }
  return results;
}

/** An address product with what the user called it. */
interface Resolved {
  product: AddressProduct;
  zone: string | null;
  /** The name the user gave and the one address it resolved to (a "name/24" names only that one). */
  named: { hostname: string; address: string } | null;
}

function toResolved(
  token: TargetToken,
  parsed: ParsedTarget,
  names: Map<string, { address: string; family: AddressFamily }[]>,
  allAddresses: boolean,
): Resolved[] {
  if (parsed.kind === 'addresses') return [{ product: parsed.product, zone: parsed.zone, named: null }];
  const found = names.get(parsed.name.toLowerCase())!;
  // nmap scans the first address a name resolves to; an exclusion covers all of them.
  return (allAddresses ? found : found.slice(0, 1)).map(({ address, family }) => {
    const ip = ipaddr.parse(address);
    const values = ip.kind() === 'ipv4' ? (ip as ipaddr.IPv4).octets : (ip as ipaddr.IPv6).parts;
    const product = prefixResolved(token, family, singleProduct(family, values), parsed.prefix);
    return { product, zone: null, named: { hostname: parsed.name, address: formatAddress(family, values) } };
  });
}

/** Formats part values as an address string (IPv6 in RFC 5952 form). */
function formatAddress(family: AddressFamily, values: readonly number[], zone: string | null = null): string {
  if (family === 'ipv4') return values.join('.');
  const text = new ipaddr.IPv6([...values]).toString();
  return zone === null ? text : `${text}%${zone}`;
}

type Block =
  | { kind: 'single'; target: ScanTarget }
  | { kind: 'range'; family: AddressFamily; difference: ProductDifference };

/** Validates, resolves and de-duplicates the targets; the result counts and walks them lazily. */
export async function prepareTargets(
  spec: TargetSpec,
  options: PrepareTargetsOptions = {},
): Promise<PreparedTargets> {
  const { signal } = options;
  signal?.throwIfAborted();
  const targetTokens: TargetToken[] = spec.targets.map((text) => ({
    text: text.trim(),
    origin: { role: 'target', where: null },
  }));
  if (spec.inputFile !== undefined)
    targetTokens.push(...(await readTokenFile(spec.inputFile, 'target', signal)));
  if (targetTokens.length === 0) {
    throw new EarshotError(
      'ERR_TARGET_SPEC',
      'No targets given: name at least one address, range or host name (e.g. "127.0.0.1"), or a target file.',
    );
  }
  const excludeTokens: TargetToken[] = (spec.exclude ?? []).flatMap((text) =>
    splitCommaList(text).map((piece) => ({
      text: piece,
      origin: { role: 'exclude', where: null } as TokenOrigin,
    })),
  );
  if (spec.excludeFile !== undefined) {
    excludeTokens.push(...(await readTokenFile(spec.excludeFile, 'exclude', signal)));
  }

  const parsedTargets = targetTokens.map((token) => ({ token, parsed: parseTargetToken(token) }));
  const parsedExcludes = excludeTokens.map((token) => ({ token, parsed: parseTargetToken(token) }));
  const names = [...parsedTargets, ...parsedExcludes].flatMap(({ parsed }) =>
    parsed.kind === 'name' ? [parsed.name.toLowerCase()] : [],
  );
  const resolved = await resolveNames([...new Set(names)], options.resolve ?? defaultResolve, signal);

  const excluded = parsedExcludes.flatMap(({ token, parsed }) => toResolved(token, parsed, resolved, true));
  const targets = parsedTargets.flatMap(({ token, parsed }) => toResolved(token, parsed, resolved, false));
  return buildTargets(
    targets,
    excluded.map((entry) => entry.product),
  );
}

/** Orders, de-duplicates and excludes; earlier blocks remove their addresses from later ones. */
function buildTargets(targets: Resolved[], excluded: AddressProduct[]): PreparedTargets {
  const hostnames = new Map<string, string[]>();
  const blocks: Block[] = [];
  const seenSingles = new Set<string>();
  const earlierSingles: AddressProduct[] = [];
  const earlierRanges: AddressProduct[] = [];
  // Long exclude lists are mostly single addresses: a set answers for them in constant time.
  const excludedSingles = new Set<string>();
  const excludedRanges: AddressProduct[] = [];
  for (const entry of excluded) {
    const values = singleValues(entry);
    if (values === null) excludedRanges.push(entry);
    else excludedSingles.add(formatAddress(entry.family, values));
  }
  const isExcluded = (product: AddressProduct, values: number[]): boolean =>
    excludedSingles.has(formatAddress(product.family, values)) ||
    excludedRanges.some((entry) => entry.family === product.family && productContains(entry, values));

  for (const { product, zone, named } of targets) {
    if (named !== null) {
      const known = hostnames.get(named.address) ?? [];
      if (!known.includes(named.hostname)) known.push(named.hostname);
      hostnames.set(named.address, known);
    }
    const values = singleValues(product);
    if (values === null) {
      const removed = [...excluded, ...earlierRanges, ...earlierSingles];
      const difference = new ProductDifference(product, removed);
      earlierRanges.push(product);
      if (difference.size > 0n) blocks.push({ kind: 'range', family: product.family, difference });
      continue;
    }
    const address = formatAddress(product.family, values, zone);
    if (seenSingles.has(address) || isExcluded(product, values)) continue;
    seenSingles.add(address);
    if (zone === null) {
      if (earlierRanges.some((range) => range.family === product.family && productContains(range, values)))
        continue;
      earlierSingles.push(product);
    }
    blocks.push({ kind: 'single', target: { address, family: product.family, hostnames: [] } });
  }

  const count = blocks.reduce(
    (sum, block) => sum + (block.kind === 'single' ? 1n : block.difference.size),
    0n,
  );
  const namesOf = (address: string): string[] => [...(hostnames.get(address) ?? [])];
  return {
    count,
    *[Symbol.iterator](): Iterator<ScanTarget> {
      for (const block of blocks) {
        if (block.kind === 'single') {
          yield { ...block.target, hostnames: namesOf(block.target.address) };
          continue;
        }
        for (const values of block.difference.values()) {
          const address = formatAddress(block.family, values);
          yield { address, family: block.family, hostnames: hostnames.size === 0 ? [] : namesOf(address) };
        }
      }
    },
  };
}
