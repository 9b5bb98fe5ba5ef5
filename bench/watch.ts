// Benchmark of `earshot watch` at its defaults (1 s interval) on a loaded namespace: ~2,000 listening
// sockets across 30 processes and 3,000 established loopback connections. Measures, in one run:
// - watch's CPU while nothing changes (target: at most 2% of one core), beside `ss -tlnp` polled
//   once a second (the cron-and-diff way) and the in-process cost of re-reading every owner each
//   second (readSockets, what watch avoids);
// - detection latency: from a listener's listen() (or close()) to watch's event (target: ≤ 2 s).
// Run as root: `npm run bench` (builds first). CPU comes from /proc/<pid>/stat (utime + stime, every
// thread) and GNU time; figures are medians or whole-window totals as labelled.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSockets } from '../dist/index.js';
import { median, runInOwnNetns, startReadyProcess } from './lib/run.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const holder = `${root}test/helpers/netns/holder.py`;
const cli = `${root}dist/cli/main.js`;
const LISTENER_PROCESSES = 30;
const LISTENERS_EACH = 67;
const CONNECTION_PROCESSES = 10;
const CONNECTIONS_EACH = 300;
const IDLE_SECONDS = Number(process.env.EARSHOT_BENCH_IDLE_SECONDS ?? 30);
const LATENCY_TRIALS = Number(process.env.EARSHOT_BENCH_LATENCY_TRIALS ?? 10);
// proc(5): utime and stime are in clock ticks, USER_HZ = 100.
const TICK_MS = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) are the 12th and 13th after the state.
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

async function startLoad(children: ChildProcess[]): Promise<void> {
  const start = (args: string[]) => startReadyProcess('python3', [holder, ...args], children);
  const ready: Promise<void>[] = [];
  for (let i = 0; i < LISTENER_PROCESSES; i++) {
    const host = i % 2 === 0 ? '127.0.0.1' : '[::1]';
    ready.push(start(Array.from({ length: LISTENERS_EACH }, () => `tcp:${host}:0`)));
  }
  for (let i = 0; i < CONNECTION_PROCESSES; i++)
    ready.push(start(['tcp:127.0.0.1:0', '--connections', String(CONNECTIONS_EACH)]));
  await Promise.all(ready);
}

/** A running `earshot watch --json`, with its events by type and port as they arrive. */
class Watch {
  readonly child: ChildProcess;
  /** When each event arrived, by "type port" (a port can come back in a later trial). */
  readonly seen = new Map<string, number[]>();
  stderr = '';
  #partial = '';

  constructor(db: string) {
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
        '0',
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
        const event = JSON.parse(line) as { type: string; port: number | null };
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
}

async function listenOn(): Promise<{ server: Server; port: number; at: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, at: performance.now() };
}

function ssLoopCpuMs(seconds: number): number {
  // The cron-and-diff way, at watch's pace: `ss -tlnp` once a second, CPU of every run (GNU time
  // counts the children the shell waited for).
  const result = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      'BENCH-CPU %U %S',
      'sh',
      '-c',
      `i=0; while [ $i -lt ${seconds} ]; do ss -tlnp >/dev/null; sleep 1; i=$((i+1)); done`,
    ],
    { encoding: 'utf8' },
  );
  const match = /BENCH-CPU ([\d.]+) ([\d.]+)/.exec(result.stderr);
  if (!match) throw new Error(`ss loop: ${result.stderr}`);
  return (Number(match[1]) + Number(match[2])) * 1000;
}

async function measure(): Promise<void> {
  const children: ChildProcess[] = [];
  const folder = mkdtempSync(join(tmpdir(), 'earshot-bench-watch-'));
  let watch: Watch | null = null;
  try {
    await startLoad(children);
    const inventory = await readSockets();
    const listening = inventory.sockets.filter((s) => s.state === 'LISTEN').length;
    const established = inventory.sockets.filter((s) => s.state === 'ESTABLISHED').length;
    console.log(`load: ${listening} listening, ${established} established sockets`);

    watch = new Watch(join(folder, 'earshot.db'));
    const started = performance.now();
    while (!/watching \d+ listeners/.test(watch.stderr)) {
      if (performance.now() - started > 60_000) throw new Error(`watch did not start: ${watch.stderr}`);
      await sleep(20);
    }
    const pid = watch.child.pid!;
    console.log(
      `watch start-up (first poll records ${listening} listeners): ${(performance.now() - started).toFixed(0)} ms, ${cpuMsOf(pid)} ms CPU`,
    );
    // Past start-up: JIT warm, the first full owner walk done.
    await sleep(5000);

    const cpuBefore = cpuMsOf(pid);
    const wallBefore = performance.now();
    await sleep(IDLE_SECONDS * 1000);
    const watchCpuMs = cpuMsOf(pid) - cpuBefore;
    const watchWallMs = performance.now() - wallBefore;
    const watchPercent = (watchCpuMs / watchWallMs) * 100;

    const ssCpuMs = ssLoopCpuMs(IDLE_SECONDS);
    const ssPercent = (ssCpuMs / (IDLE_SECONDS * 1000)) * 100;

    const walks: number[] = [];
    for (let i = 0; i < 10; i++) {
      const cpu = process.cpuUsage();
      await readSockets({ listeningOnly: true });
      const used = process.cpuUsage(cpu);
      walks.push((used.user + used.system) / 1000);
    }
    const walkPercent = (median(walks) / 1000) * 100;

    const opened: number[] = [];
    const closed: number[] = [];
    for (let trial = 0; trial < LATENCY_TRIALS; trial++) {
      // A random phase against watch's 1 s timer.
      await sleep(Math.floor(Math.random() * 1000));
      const before = performance.now();
      const { server, port, at } = await listenOn();
      opened.push((await watch.waitFor(`listener-opened ${port}`, before, 10_000)) - at);
      await sleep(Math.floor(Math.random() * 1000));
      const closing = performance.now();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      closed.push((await watch.waitFor(`listener-closed ${port}`, closing, 10_000)) - closing);
    }

    console.log(`\nidle CPU over ${IDLE_SECONDS} s (% of one core)`);
    console.log(
      `  earshot watch (1 s interval, whole process)   ${watchPercent.toFixed(2)} %  (${watchCpuMs} ms CPU)`,
    );
    console.log(
      `  ss -tlnp once a second (reference)            ${ssPercent.toFixed(2)} %  (${ssCpuMs.toFixed(0)} ms CPU)`,
    );
    console.log(
      `  readSockets with every owner, once a second   ${walkPercent.toFixed(2)} %  (${median(walks).toFixed(1)} ms CPU a read, in-process)`,
    );
    console.log(`  watch / ss: ${(watchPercent / ssPercent).toFixed(2)}×`);
    console.log(`\ndetection latency over ${LATENCY_TRIALS} trials (ms)`);
    console.log(`  opened: median ${median(opened).toFixed(0)}, max ${Math.max(...opened).toFixed(0)}`);
    console.log(`  closed: median ${median(closed).toFixed(0)}, max ${Math.max(...closed).toFixed(0)}`);
    const check = (label: string, value: number, limit: number, unit: string) =>
      console.log(
        `${value <= limit ? 'met   ' : 'MISSED'} ${label}: ${value.toFixed(2)} vs ${limit} ${unit}`,
      );
    console.log('');
    check('watch idle CPU <= 2% of one core', watchPercent, 2, '%');
    check(
      'detection latency (max, opened and closed) <= 2000 ms',
      Math.max(...opened, ...closed),
      2000,
      'ms',
    );
    console.log(
      `load average while measuring: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')} on ${cpus().length} CPUs`,
    );
  } finally {
    if (watch && watch.child.exitCode === null) {
      watch.child.kill('SIGTERM');
      await new Promise((resolve) => watch!.child.once('close', resolve));
    }
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(folder, { recursive: true, force: true });
  }
}

await runInOwnNetns(import.meta.url, measure);
