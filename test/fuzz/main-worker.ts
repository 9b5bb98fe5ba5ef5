// Runs earshot's main(argv) on a worker thread, for the fuzz tests: what it prints goes to this
// thread's own stdout and stderr, captured here, never into the test runner's channel. Start it with
// a bootstrap that registers tsx (see cli-args.test.ts); it posts "ready" once loaded.
import { parentPort } from 'node:worker_threads';
import { main } from '../../src/cli/program.js';

/** What one run gave: the exit status and what it printed. */
export interface MainRun {
  status: number;
  stdout: string;
  stderr: string;
}

const out: string[] = [];
const err: string[] = [];
const capture = (into: string[]) =>
  ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stdout.write;
process.stdout.write = capture(out);
process.stderr.write = capture(err);

parentPort?.on('message', async (argv: string[]) => {
  out.length = 0;
  err.length = 0;
  process.exitCode = undefined;
  let status: number;
  try {
    status = await main(argv);
  } catch (error) {
    // main() catches everything; reaching here is itself the failure the fuzz looks for.
    status = -1;
    err.push(`main threw: ${error instanceof Error ? error.stack : String(error)}`);
  }
  process.exitCode = undefined;
  const run: MainRun = { status, stdout: out.join(''), stderr: err.join('') };
  parentPort?.postMessage(run);
});

parentPort?.postMessage('ready');
