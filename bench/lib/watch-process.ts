// `earshot watch --json` run by a benchmark: its events by type and port as they arrive, each
// verify event with watch's CPU read as it came, and a process's CPU from /proc/<pid>/stat.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
// proc(5): utime and stime are in clock ticks, USER_HZ = 100.
const TICK_MS = 10;
// How long a verify of the benchmark's load may take before the run is given up.
const VERIFY_TIMEOUT_MS = 15 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU a process used (every thread, and the children it waited for), in ms. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 to 17 (utime, stime, and cutime, cstime of children it waited for) are the 12th to
  // 15th after the state.
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * TICK_MS;
}

/** A verify event as it arrived: when, watch's CPU then, and the run's own elapsed time. */
export interface VerifyArrival {
  at: number;
  cpuMs: number;
  elapsedMs: number;
  interrupted: boolean;
}

/** A running `earshot watch --json`, with its events by type and port as they arrive. */
export class Watch {
  readonly child: ChildProcess;
  /** When each event arrived, by "type port" (a port can come back in a later trial). */
  readonly seen = new Map<string, number[]>();
  /** Each verify event, with watch's CPU read as it arrived. */
  readonly verifies: VerifyArrival[] = [];
  stderr = '';
  #partial = '';

  constructor(db: string, verifyEvery: string) {
    this.child = spawn(
      process.execPath,
      [
        ...(process.env.EARSHOT_BENCH_PROF
          ? ['--cpu-prof', '--cpu-prof-dir', process.env.EARSHOT_BENCH_PROF]
          : []),
        cli,
        'watch',
        '--json',
        '--db',
        db,
        '--verify-every',
        verifyEvery,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const now = performance.now();
      const lines = (this.#partial + chunk).split('\n');
      this.#partial = lines.pop()!;
      for (const line of lines) {
        const event = JSON.parse(line) as {
          type: string;
          port: number | null;
          verify?: { elapsedMs: number; interrupted: boolean };
        };
        if (event.type === 'verify' && this.child.pid !== undefined) {
          this.verifies.push({
            at: now,
            cpuMs: cpuMsOf(this.child.pid),
            elapsedMs: event.verify!.elapsedMs,
            interrupted: event.verify!.interrupted,
          });
        }
        const key = `${event.type} ${event.port}`;
        const times = this.seen.get(key);
        if (times) times.push(now);
        else this.seen.set(key, [now]);
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
  }

  /** When the first `key` event after `after` arrived. */
  async waitFor(key: string, after: number, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const at = this.seen.get(key)?.find((time) => time >= after);
      if (at !== undefined) return at;
      await sleep(5);
    }
    const last = [...this.seen.keys()].slice(-5).join(', ');
    throw new Error(`no "${key}" event within ${timeoutMs} ms (last: ${last}); stderr: ${this.stderr}`);
  }

  /** Resolves once watch says it is watching; its start-up time and CPU. */
  async started(): Promise<{ ms: number; cpuMs: number }> {
    const began = performance.now();
    while (!/watching \d+ listeners/.test(this.stderr)) {
      if (performance.now() - began > 60_000) throw new Error(`watch did not start: ${this.stderr}`);
      await sleep(20);
    }
    return { ms: performance.now() - began, cpuMs: cpuMsOf(this.child.pid!) };
  }

  /** Waits for the `count`th verify event. */
  async verifyCount(count: number): Promise<VerifyArrival> {
    const deadline = performance.now() + VERIFY_TIMEOUT_MS;
    while (this.verifies.length < count) {
      if (performance.now() > deadline) throw new Error(`no verify event ${count}: ${this.stderr}`);
      if (this.child.exitCode !== null) throw new Error(`watch exited: ${this.stderr}`);
      await sleep(50);
    }
    const arrival = this.verifies[count - 1]!;
    if (arrival.interrupted) throw new Error(`verify ${count} was interrupted: ${this.stderr}`);
    return arrival;
  }

  /** Stops watch (SIGTERM) and waits for it. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const closed = new Promise((resolve) => this.child.once('close', resolve));
    this.child.kill('SIGTERM');
    await closed;
  }
}
