// Runs the built earshot binary the way a user does, optionally inside a test namespace.
import { fileURLToPath } from 'node:url';
import type { Netns } from './netns.js';
import { type CommandResult, run } from './netns.js';

/** Path of the built CLI (npm run build makes it). */
export const earshotBin = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Runs `earshot ...args`, inside `netns` when given. */
export function runEarshot(
  args: string[],
  options: { netns?: Netns; timeoutMs?: number; input?: string } = {},
): Promise<CommandResult> {
  const timeout = { timeoutMs: options.timeoutMs ?? 60_000, input: options.input };
  if (options.netns) return options.netns.exec(process.execPath, [earshotBin, ...args], timeout);
  return run(process.execPath, [earshotBin, ...args], timeout);
}
