// What a test needs from the machine (root, Debian commands, files), checked in one place. A missing
// need is a visible skip locally and a failure under CI=true, where scripts/install-deps.sh has
// installed everything: a test must never pass because it did not run.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

/** True when the tests run as root (namespaces, iptables and daemons need it). */
export const isRoot = process.getuid?.() === 0;

/** Under CI=true nothing may be skipped for want of a dependency. */
export const requireEverything = process.env.CI === 'true';

/** What a test needs: root, commands on PATH, files. */
export interface Needs {
  root?: boolean;
  commands?: readonly string[];
  files?: readonly string[];
}

const commandCache = new Map<string, boolean>();

/** True when `command` is on PATH. */
export function hasCommand(command: string): boolean {
  let found = commandCache.get(command);
  if (found === undefined) {
    found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' }).status === 0;
    commandCache.set(command, found);
  }
  return found;
}

/** The needs that are not met, in words. */
export function missingNeeds(needs: Needs): string[] {
  const missing: string[] = [];
  if (needs.root && !isRoot) missing.push('root');
  for (const command of needs.commands ?? []) if (!hasCommand(command)) missing.push(command);
  for (const file of needs.files ?? []) if (!existsSync(file)) missing.push(file);
  return missing;
}

function reason(missing: readonly string[]): string {
  return `needs ${missing.join(', ')} (run as root after bash scripts/install-deps.sh)`;
}

/**
 * A node:test `skip` option: false when every need is met, else why not. Under CI=true it throws
 * instead, so the test file fails: `describe('...', { skip: skipUnless({ commands: ['nmap'] }) }, ...)`.
 */
export function skipUnless(needs: Needs): string | false {
  const missing = missingNeeds(needs);
  if (missing.length === 0) return false;
  if (requireEverything) throw new Error(`CI=true and a test ${reason(missing)}`);
  return reason(missing);
}

/**
 * Inside a running test: true when every need is met; else the test is marked skipped (locally) or
 * fails (CI=true). Use as `if (!meets(t, { commands: ['nginx'] })) return;`.
 */
export function meets(t: TestContext, needs: Needs): boolean {
  const missing = missingNeeds(needs);
  if (missing.length === 0) return true;
  assert.ok(!requireEverything, `CI=true and this test ${reason(missing)}`);
  t.skip(reason(missing));
  return false;
}

/**
 * Runs `fn` as a subtest that needs `needs` (an oracle such as nmap): the parent's own assertions
 * run either way, and the subtest shows as skipped locally or fails under CI=true when a need is missing.
 */
export async function subtestNeeding(
  t: TestContext,
  name: string,
  needs: Needs,
  fn: (t: TestContext) => Promise<void>,
): Promise<void> {
  const missing = missingNeeds(needs);
  if (missing.length > 0 && requireEverything) assert.fail(`CI=true and "${name}" ${reason(missing)}`);
  await t.test(name, { skip: missing.length > 0 ? reason(missing) : false }, fn);
}
