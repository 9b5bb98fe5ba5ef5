// Runs the built earshot binary the way a user does: to completion, started for a test that signals
// it, behind a prefix (setpriv, prlimit), or inside a test namespace. The one place that knows how.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Netns } from './netns/netns.js';
import { type CommandResult, run } from './netns/netns.js';

/** Path of the built CLI (npm run build makes it). */
export const earshotBin = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** The argv that runs `earshot ...args` with this Node, after `prefix` (e.g. `setpriv ...`, `prlimit ...`). */
export function earshotCommand(
  args: readonly string[],
  prefix: readonly string[] = [],
): [string, ...string[]] {
  return [...prefix, process.execPath, earshotBin, ...args] as [string, ...string[]];
}

/** A prefix for `earshotCommand`: runs the rest after `mounts`, in a mount namespace of its own. */
export function withOwnMounts(mounts: string): string[] {
  return ['unshare', '-m', '--propagation', 'private', 'sh', '-c', `${mounts} && exec "$@"`, 'sh'];
}

/** `earshotCommand` as one shell line, for script(1) and pipelines; the arguments must need no quoting. */
export function earshotShellLine(args: readonly string[]): string {
  return earshotCommand(args).join(' ');
}

/** Where and how long to run earshot. */
export interface EarshotRunOptions {
  netns?: Netns;
  /** Runs earshot through these first: `['setpriv', '--reuid=nobody', ...]`. */
  prefix?: string[];
  timeoutMs?: number;
  input?: string;
}

/** Runs `earshot ...args` to completion and returns its status and output. */
export function runEarshot(args: string[], options: EarshotRunOptions = {}): Promise<CommandResult> {
  const [file, ...rest] = earshotCommand(args, options.prefix);
  const limits = { timeoutMs: options.timeoutMs ?? 60_000, input: options.input };
  if (options.netns) return options.netns.exec(file, rest, limits);
  return run(file, rest, limits);
}

/**
 * Starts `earshot ...args` for a test that reads it as it runs or signals it (Ctrl-C is
 * `child.kill('SIGINT')`). In a namespace it is killed with the namespace; otherwise the caller ends it.
 */
export function spawnEarshot(args: string[], options: { netns?: Netns } = {}): ChildProcess {
  const [file, ...rest] = earshotCommand(args);
  if (options.netns) return options.netns.spawn(file, rest);
  return spawn(file, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
}
