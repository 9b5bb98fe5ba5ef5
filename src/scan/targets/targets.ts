// Target specifications → a lazy stream of addresses. Everything is validated and every name resolved
// here, before the first packet; ranges are counted and walked without being materialised.
import ipaddr from 'ipaddr.js';
import { EarshotError, quote } from '../../errors.js';
import type { AddressFamily } from '../../model.js';
import {
  type AddressProduct,
  ProductDifference,
  productContains,
  productSpan,
  SpanIndex,
  singleProduct,
  singleValues,
} from './address-set.js';
import { defaultResolve, readTokenFile, resolveNames, type TargetResolver } from './target-input.js';
import {
  type ParsedTarget,
  parseTargetToken,
  prefixResolved,
  splitCommaList,
  type TargetToken,
  type TokenOrigin,
} from './target-parse.js';

export type { TargetResolver } from './target-input.js';

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

/** Options of prepareTargets. */
export interface PrepareTargetsOptions {
  /** Default: dns.lookup with every address, in the resolver's order. */
  resolve?: TargetResolver;
  signal?: AbortSignal;
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
  return (allAddresses ? found : found.slice(0, 1)).map(({ address }) => {
    if (!ipaddr.IPv4.isValidFourPartDecimal(address) && !ipaddr.IPv6.isValid(address)) {
      throw new EarshotError(
        'ERR_TARGET_RESOLVE',
        `Resolving ${quote(parsed.name)} gave ${quote(address)}, which is not an IP address; check the resolver.`,
      );
    }
    const ip = ipaddr.parse(address);
    const family: AddressFamily = ip.kind() === 'ipv4' ? 'ipv4' : 'ipv6';
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
  // Excluded products carry order -1; a target sees only the targets given before it.
  const index = new SpanIndex<{ product: AddressProduct; order: number }>([
    ...excluded.map((product) => ({ ...productSpan(product), item: { product, order: -1 } })),
    ...targets.flatMap(({ product, zone }, order) =>
      zone === null ? [{ ...productSpan(product), item: { product, order } }] : [],
    ),
  ]);
  const seenZoned = new Set<string>();

  for (const [order, { product, zone, named }] of targets.entries()) {
    if (named !== null) {
      const known = hostnames.get(named.address) ?? [];
      if (!known.includes(named.hostname)) known.push(named.hostname);
      hostnames.set(named.address, known);
    }
    const span = productSpan(product);
    const before = index
      .query(span.lo, span.hi)
      .filter((entry) => entry.order < order && (zone === null || entry.order === -1));
    const values = singleValues(product);
    if (values === null) {
      const difference = new ProductDifference(
        product,
        before.map((entry) => entry.product),
      );
      if (difference.size > 0n) blocks.push({ kind: 'range', family: product.family, difference });
      continue;
    }
    // A single address is dropped when excluded, or when an earlier target already holds it.
    if (before.some((entry) => productContains(entry.product, values))) continue;
    const address = formatAddress(product.family, values, zone);
    if (zone !== null) {
      if (seenZoned.has(address)) continue;
      seenZoned.add(address);
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
