// STAND-IN until branch scan-input merges: its targets.ts replaces this file whole (same API).
// Only literal addresses and names resolved by the system resolver.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { EarshotError } from '../errors.js';
import type { AddressFamily } from '../model.js';

/** One address to scan, with the names that led to it. */
export interface ScanTarget {
  address: string;
  family: AddressFamily;
  hostnames: string[];
}

/** What the user asked to scan. */
export interface TargetSpec {
  targets: string[];
  inputFile?: string;
  exclude?: string[];
  excludeFile?: string;
}

/** The targets, counted and iterable. */
export interface PreparedTargets {
  readonly count: bigint;
  [Symbol.iterator](): Iterator<ScanTarget>;
}

/** Resolves every target before any packet is sent. */
export async function prepareTargets(
  spec: TargetSpec,
  options: { signal?: AbortSignal } = {},
): Promise<PreparedTargets> {
  const list: ScanTarget[] = [];
  for (const target of spec.targets) {
    options.signal?.throwIfAborted();
    const kind = isIP(target);
    if (kind !== 0) {
      list.push({ address: target, family: kind === 6 ? 'ipv6' : 'ipv4', hostnames: [] });
      continue;
    }
    try {
      const { address, family } = await lookup(target);
      list.push({ address, family: family === 6 ? 'ipv6' : 'ipv4', hostnames: [target] });
    } catch (error) {
      throw new EarshotError('ERR_TARGET_RESOLVE', `Cannot resolve target "${target}": check the name.`, {
        cause: error,
      });
    }
  }
  return { count: BigInt(list.length), [Symbol.iterator]: () => list[Symbol.iterator]() };
}
