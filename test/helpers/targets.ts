// Shared helpers of the target tests: a fake resolver with a few names, and short assertions.
import assert from 'node:assert/strict';
import { type EarshotErrorCode, isEarshotError } from '../../src/errors.js';
import type { AddressFamily } from '../../src/model.js';
import {
  type PreparedTargets,
  type PrepareTargetsOptions,
  prepareTargets,
  type TargetResolver,
  type TargetSpec,
} from '../../src/scan/targets/targets.js';

/** The first `limit` targets as "address" or "address(name,name)". */
export function list(prepared: PreparedTargets, limit = 1000): string[] {
  const out: string[] = [];
  for (const target of prepared) {
    out.push(
      target.hostnames.length > 0 ? `${target.address}(${target.hostnames.join(',')})` : target.address,
    );
    if (out.length >= limit) break;
  }
  return out;
}

// What each fake name resolves to, first choice first.
const zoo: Record<string, { address: string; family: AddressFamily }[]> = {
  'web.test': [
    { address: '10.0.0.7', family: 'ipv4' },
    { address: 'fd00::7', family: 'ipv6' },
  ],
  'www.test': [{ address: '10.0.0.7', family: 'ipv4' }],
  'v6.test': [{ address: 'FD00:0:0::1', family: 'ipv6' }],
  'empty.test': [],
};
/** Every name fakeResolve was asked for, in order (tests reset it). */
export const lookups: string[] = [];
/** A resolver over a few fixed names (web.test has v4 then v6); others fail with ENOTFOUND. */
export const fakeResolve: TargetResolver = async (hostname) => {
  lookups.push(hostname);
  const found = zoo[hostname];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return found;
};

/** prepareTargets with fakeResolve and no targets unless given. */
export const prepare = (spec: Partial<TargetSpec>, options: PrepareTargetsOptions = {}) =>
  prepareTargets({ targets: [], ...spec }, { resolve: fakeResolve, ...options });

/** Asserts that prepare(spec) rejects with `code` and a one-line message matching `message`. */
export async function assertTargetError(
  spec: Partial<TargetSpec>,
  code: EarshotErrorCode,
  message: RegExp,
): Promise<void> {
  await assert.rejects(prepare(spec), (error) => {
    assert.ok(isEarshotError(error, code), `expected ${code}, got ${String(error)}`);
    assert.match(error.message, message);
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return true;
  });
}
