// Address sets as products of per-part value ranges, so that 10.0.0.0/8, fd00::/64 and nmap's
// octet ranges (10.0.0-3.1-254) are counted and walked without ever being materialised.
import type { AddressFamily } from '../../model.js';

/** Ascending, disjoint, inclusive value ranges of one address part. */
export type PartSet = readonly (readonly [number, number])[];

/** Every address whose part i lies in parts[i]: one CIDR block, octet range or address. */
export interface AddressProduct {
  family: AddressFamily;
  parts: readonly PartSet[];
}

/** How each family is cut into parts: IPv4 into 4 octets, IPv6 into 8 groups of 16 bits. */
export const FAMILY_SHAPE: Readonly<Record<AddressFamily, { parts: number; bits: number }>> = {
  ipv4: { parts: 4, bits: 8 },
  ipv6: { parts: 8, bits: 16 },
};

/** Sorts and merges ranges (overlapping or adjacent) into a PartSet. */
export function normalizePartSet(ranges: Iterable<readonly [number, number]>): PartSet {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** Applies a prefix length the way nmap does to any product: every part past it becomes full. */
export function applyPrefix(
  family: AddressFamily,
  parts: readonly PartSet[],
  prefix: number,
): AddressProduct {
  const { bits } = FAMILY_SHAPE[family];
  const max = 2 ** bits - 1;
  return {
    family,
    parts: parts.map((set, index) => {
      const kept = prefix - index * bits;
      if (kept >= bits) return set;
      if (kept <= 0) return [[0, max]];
      const span = 2 ** (bits - kept);
      return normalizePartSet(
        set.map(([start, end]) => [
          Math.floor(start / span) * span,
          Math.floor(end / span) * span + span - 1,
        ]),
      );
    }),
  };
}

/** The product holding exactly one address. */
export function singleProduct(family: AddressFamily, values: readonly number[]): AddressProduct {
  return { family, parts: values.map((value) => [[value, value]]) };
}

const partSetSize = (set: PartSet): number => set.reduce((sum, [start, end]) => sum + end - start + 1, 0);

/** How many addresses a product holds. */
export function productSize(product: AddressProduct): bigint {
  return product.parts.reduce((size, set) => size * BigInt(partSetSize(set)), 1n);
}

/** The values of a single-address product, or null when it holds more than one address. */
export function singleValues(product: AddressProduct): number[] | null {
  const values: number[] = [];
  for (const set of product.parts) {
    if (set.length !== 1 || set[0]![0] !== set[0]![1]) return null;
    values.push(set[0]![0]);
  }
  return values;
}

const partSetHas = (set: PartSet, value: number): boolean =>
  set.some(([start, end]) => start <= value && value <= end);

/** True when the address `values` (one number per part) lies in the product. */
export function productContains(product: AddressProduct, values: readonly number[]): boolean {
  return product.parts.every((set, index) => partSetHas(set, values[index]!));
}

const partSetsMeet = (a: PartSet, b: PartSet): boolean =>
  a.some(([aStart, aEnd]) => b.some(([bStart, bEnd]) => aStart <= bEnd && bStart <= aEnd));

/** True when two products of the same family share at least one address. */
export function productsIntersect(a: AddressProduct, b: AddressProduct): boolean {
  return a.family === b.family && a.parts.every((set, index) => partSetsMeet(set, b.parts[index]!));
}

interface Segment {
  start: number;
  end: number;
  /** Indices of the removed products that contain every value of this segment at this part. */
  removed: number[];
}

/** One product minus a union of others: counted by part-wise sweeps, walked in ascending order. */
export class ProductDifference {
  readonly #target: AddressProduct;
  readonly #removed: AddressProduct[];
  readonly #suffixSize: bigint[];
  readonly #countMemo = new Map<string, bigint>();
  #size: bigint | null = null;

  constructor(target: AddressProduct, removed: readonly AddressProduct[]) {
    this.#target = target;
    this.#removed = removed.filter((product) => productsIntersect(target, product));
    const parts = target.parts.length;
    this.#suffixSize = new Array<bigint>(parts + 1).fill(1n);
    for (let level = parts - 1; level >= 0; level--) {
      this.#suffixSize[level] = this.#suffixSize[level + 1]! * BigInt(partSetSize(target.parts[level]!));
    }
  }

  /** How many addresses remain. */
  get size(): bigint {
    this.#size ??= this.#count(
      0,
      this.#removed.map((_, index) => index),
    );
    return this.#size;
  }

  /** Yields each remaining address as its part values (one shared array: copy it to keep it). */
  *values(): Generator<readonly number[]> {
    const values = new Array<number>(this.#target.parts.length).fill(0);
    yield* this.#walk(
      0,
      this.#removed.map((_, index) => index),
      values,
    );
  }

  *#walk(level: number, removed: number[], values: number[]): Generator<readonly number[]> {
    const last = level === values.length - 1;
    for (const segment of this.#segments(level, removed)) {
      if (segment.removed.length > 0 && this.#count(level + 1, segment.removed) === 0n) continue;
      for (let value = segment.start; value <= segment.end; value++) {
        values[level] = value;
        if (last) yield values;
        else yield* this.#walk(level + 1, segment.removed, values);
      }
    }
  }

  #count(level: number, removed: number[]): bigint {
    if (removed.length === 0) return this.#suffixSize[level]!;
    if (level === this.#target.parts.length) return 0n;
    const key = `${level}|${removed.join(',')}`;
    let total = this.#countMemo.get(key);
    if (total === undefined) {
      total = 0n;
      for (const segment of this.#segments(level, removed)) {
        const below = this.#count(level + 1, segment.removed);
        if (below > 0n) total += BigInt(segment.end - segment.start + 1) * below;
      }
      this.#countMemo.set(key, total);
    }
    return total;
  }

  /** Cuts the target's values at `level` into segments that the same removed products cover. */
  #segments(level: number, removed: readonly number[]): Segment[] {
    const own = this.#target.parts[level]!;
    if (removed.length === 0) return own.map(([start, end]) => ({ start, end, removed: [] }));
    // Sweep line: +1/-1 events at each range edge; -1 stands for the target itself.
    const events: [position: number, owner: number, delta: 1 | -1][] = [];
    for (const [start, end] of own) events.push([start, -1, 1], [end + 1, -1, -1]);
    for (const index of removed) {
      for (const [start, end] of this.#removed[index]!.parts[level]!) {
        events.push([start, index, 1], [end + 1, index, -1]);
      }
    }
    events.sort((a, b) => a[0] - b[0]);
    const segments: Segment[] = [];
    const active = new Set<number>();
    let inTarget = 0;
    for (let index = 0; index < events.length; ) {
      const position = events[index]![0];
      while (index < events.length && events[index]![0] === position) {
        const [, owner, delta] = events[index++]!;
        if (owner === -1) inTarget += delta;
        else if (delta === 1) active.add(owner);
        else active.delete(owner);
      }
      const next = events[index]?.[0];
      if (inTarget > 0 && next !== undefined && next > position) {
        segments.push({ start: position, end: next - 1, removed: [...active].sort((a, b) => a - b) });
      }
    }
    return segments;
  }
}

/** The lowest and highest address of a product as numbers; IPv4 spans sit above every IPv6 one. */
export function productSpan(product: AddressProduct): { lo: bigint; hi: bigint } {
  const shift = BigInt(FAMILY_SHAPE[product.family].bits);
  let lo = product.family === 'ipv4' ? 1n : 0n;
  let hi = lo;
  for (const set of product.parts) {
    lo = (lo << shift) | BigInt(set[0]![0]);
    hi = (hi << shift) | BigInt(set[set.length - 1]![1]);
  }
  return { lo, hi };
}

/** Finds the entries whose span meets a query span: a static segment tree over the highest ends. */
export class SpanIndex<T> {
  readonly #lo: bigint[];
  readonly #items: T[];
  readonly #maxHi: bigint[];
  readonly #leaves: number;

  constructor(entries: readonly { lo: bigint; hi: bigint; item: T }[]) {
    const sorted = [...entries].sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
    this.#lo = sorted.map((entry) => entry.lo);
    this.#items = sorted.map((entry) => entry.item);
    let leaves = 1;
    while (leaves < sorted.length) leaves *= 2;
    this.#leaves = leaves;
    this.#maxHi = new Array<bigint>(2 * leaves).fill(-1n);
    sorted.forEach((entry, index) => {
      this.#maxHi[leaves + index] = entry.hi;
    });
    for (let node = leaves - 1; node >= 1; node--) {
      const left = this.#maxHi[2 * node]!;
      const right = this.#maxHi[2 * node + 1]!;
      // biome-ignore lint/complexity/useMathMinMax: Math.max does not take bigint.
      this.#maxHi[node] = left > right ? left : right;
    }
  }

  /** Every entry with lo <= hi and hi >= lo, in ascending order of lo. */
  query(lo: bigint, hi: bigint): T[] {
    const found: T[] = [];
    const visit = (node: number, first: number, width: number): void => {
      // Entries are sorted by lo: once one starts past `hi`, so does the rest of the subtree.
      if (first >= this.#items.length || this.#maxHi[node]! < lo || this.#lo[first]! > hi) return;
      if (width === 1) {
        found.push(this.#items[first]!);
        return;
      }
      visit(2 * node, first, width / 2);
      visit(2 * node + 1, first + width / 2, width / 2);
    };
    visit(1, 0, this.#leaves);
    return found;
  }
}
