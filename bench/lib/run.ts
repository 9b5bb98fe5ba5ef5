// Shared by the benchmarks: timed runs of a tool (wall and CPU), medians, nmap's grepable output,
// and re-running a benchmark inside a network namespace of its own so it never touches this
// machine's loopback.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A tool under test: how to run it and how to read the ports it found. */
export interface Tool {
  name: string;
  command: string[];
  openPorts(stdout: string): number[];
}

/** Open TCP ports in nmap's -oG output. */
export const grepableOpen = (stdout: string) =>
  [...stdout.matchAll(/(\d+)\/open\/tcp/g)].map((m) => Number(m[1])).sort((a, b) => a - b);

// GNU time reports the CPU the whole process used (all threads, user + system).
const TIME = '/usr/bin/time';
const hasTime = existsSync(TIME);

/** Runs a command, timing its wall clock and (with GNU time) its CPU and peak resident memory. */
export function runTimed(
  command: string[],
  options: { timeoutMs?: number } = {},
): Promise<{ ms: number; cpuMs: number; maxRssKb: number; stdout: string; code: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const argv = hasTime ? [TIME, '-f', 'BENCH-CPU %U %S %M', ...command] : command;
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const cpu = /BENCH-CPU ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
      const cpuMs = cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : Number.NaN;
      // GNU time's %M: the largest resident set of the command (all its threads), in KiB.
      const maxRssKb = cpu ? Number(cpu[3]) : Number.NaN;
      const other = stderr.replace(/.*BENCH-CPU.*\n?/, '');
      if (other) process.stderr.write(other);
      resolve({ ms, cpuMs, maxRssKb, stdout, code: code ?? 1 });
    });
  });
}

/** The median of `values`. */
export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Runs `main` inside a fresh network namespace (re-running the benchmark file under unshare --net
 * as root); prints why it skips otherwise.
 */
export async function runInOwnNetns(moduleUrl: string, main: () => Promise<void>): Promise<void> {
  const self = fileURLToPath(moduleUrl);
  // The marker says we are already inside the private namespace this script made for itself.
  if (process.env.EARSHOT_BENCH_NETNS === '1') {
    // A reader that goes away (`| head`) must not end the run before its finally blocks stop the
    // servers and databases it started: the output is lost, the clean-up is not.
    process.stdout.on('error', () => undefined);
    await main();
  } else if (process.getuid?.() !== 0) {
    console.error(`${self}: needs root (it runs in a network namespace of its own); skipped.`);
  } else {
    const result = spawnSync(
      'unshare',
      [
        '--net',
        '--',
        'sh',
        '-c',
        'ip link set lo up && exec "$@"',
        'sh',
        process.execPath,
        '--import',
        'tsx',
        self,
      ],
      { stdio: 'inherit', env: { ...process.env, EARSHOT_BENCH_NETNS: '1' }, cwd: root },
    );
    process.exitCode = result.status ?? 1;
  }
}

/**
 * Starts a load process that prints "ready" once it holds its sockets (test/helpers/netns/holder.py) and
 * adds it to `children`; rejects if it exits first or is not ready within 60 s.
 */
export function startReadyProcess(command: string, args: string[], children: ChildProcess[]): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('load process did not start in 60 s')), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().startsWith('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`load process exited ${code}`)));
  });
}
