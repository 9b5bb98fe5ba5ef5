// Benchmark of `earshot watch` at its defaults (1 s interval, a full verify every 15 minutes) on a
// loaded namespace: ~2,000 listening sockets across 30 processes and 3,000 established loopback
// connections. Measures, in one run:
// - watch's polling CPU while nothing changes (--verify-every 0), beside `ss -tlnp` polled once a
//   second (the cron-and-diff way) and the in-process cost of re-reading every owner each second
//   (readSockets, what watch avoids);
// - detection latency: from a listener's listen() (or close()) to watch's event (target: ≤ 2 s);
// - the CPU of one periodic verify as watch runs it (its default verify options, on the same load),
//   and so watch at its defaults: polling CPU + one verify's CPU / 900 s (target: at most 2% of one
//   core).
// Run as root: `npm run bench` (builds first). CPU comes from /proc/<pid>/stat (utime + stime, every
// thread) and GNU time; figures are medians or whole-window totals as labelled.
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSockets } from '../dist/index.js';
import { median, runInOwnNetns, startReadyProcess } from './lib/run.js';
import { cpuMsOf, Watch } from './lib/watch-process.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const holder = `${root}test/helpers/netns/holder.py`;
const LISTENER_PROCESSES = 30;
const LISTENERS_EACH = 67;
const CONNECTION_PROCESSES = 10;
const CONNECTIONS_EACH = 300;
const IDLE_SECONDS = Number(process.env.EARSHOT_BENCH_IDLE_SECONDS ?? 30);
const LATENCY_TRIALS = Number(process.env.EARSHOT_BENCH_LATENCY_TRIALS ?? 10);
// watch's default --verify-every.
const DEFAULT_VERIFY_EVERY_S = 15 * 60;
// The period of the verify run: short, so that a second (periodic, not start-up) verify comes within
// the run; its work is the default's, and only its CPU is counted.
const BENCH_VERIFY_EVERY = '10s';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

    watch = new Watch(join(folder, 'earshot.db'), '0');
    const startUp = await watch.started();
    const pid = watch.child.pid!;
    console.log(
      `watch start-up (first poll records ${listening} listeners): ${startUp.ms.toFixed(0)} ms, ${startUp.cpuMs} ms CPU`,
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

    const pollingLoad = loadavg();
    await watch.stop();

    // The same load, watch with its default verify options: the first verify runs at start, the
    // second BENCH_VERIFY_EVERY after the first ended. A verify's CPU is watch's CPU across it, less
    // the polling it did meanwhile at the idle rate measured above.
    const idleCpuPerMs = watchCpuMs / watchWallMs;
    watch = new Watch(join(folder, 'earshot-verify.db'), BENCH_VERIFY_EVERY);
    await watch.started();
    const first = await watch.verifyCount(1);
    const second = await watch.verifyCount(2);
    await watch.stop();
    // The first verify began with watch: the start-up CPU of the polling-only watch is taken off.
    const firstVerifyCpuMs = first.cpuMs - startUp.cpuMs - idleCpuPerMs * first.elapsedMs;
    const periodicVerifyCpuMs = second.cpuMs - first.cpuMs - idleCpuPerMs * (second.at - first.at);
    const defaultsPercent = watchPercent + (periodicVerifyCpuMs / (DEFAULT_VERIFY_EVERY_S * 1000)) * 100;

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
    console.log(
      `\none periodic verify as watch runs it (-p 1-65535, UDP, -sV of unexplained ports, bind witness)`,
    );
    console.log(
      `  first, at start (cold)    ${firstVerifyCpuMs.toFixed(0)} ms CPU, ${first.elapsedMs} ms elapsed`,
    );
    console.log(
      `  periodic (the second)     ${periodicVerifyCpuMs.toFixed(0)} ms CPU, ${second.elapsedMs} ms elapsed`,
    );
    console.log(
      `watch at its defaults: polling ${watchPercent.toFixed(2)} % + verify ${periodicVerifyCpuMs.toFixed(0)} ms / ${DEFAULT_VERIFY_EVERY_S} s (${((periodicVerifyCpuMs / (DEFAULT_VERIFY_EVERY_S * 1000)) * 100).toFixed(2)} %) = ${defaultsPercent.toFixed(2)} % of one core`,
    );
    const check = (label: string, value: number, limit: number, unit: string) =>
      console.log(
        `${value <= limit ? 'met    ' : 'NOT met'} ${label}: ${value.toFixed(2)} vs ${limit} ${unit}`,
      );
    console.log('');
    check('watch idle polling CPU (--verify-every 0) <= 2% of one core', watchPercent, 2, '%');
    check(
      `watch at its defaults (polling + verify CPU / ${DEFAULT_VERIFY_EVERY_S} s) <= 2% of one core`,
      defaultsPercent,
      2,
      '%',
    );
    check(
      'detection latency (max, opened and closed) <= 2000 ms',
      Math.max(...opened, ...closed),
      2000,
      'ms',
    );
    const load = (values: number[]) => values.map((n) => n.toFixed(2)).join(' ');
    console.log(
      `load average on ${cpus().length} CPUs: ${load(pollingLoad)} after the polling measurements, ${load(loadavg())} after the verifies`,
    );
  } finally {
    await watch?.stop();
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(folder, { recursive: true, force: true });
  }
}

await runInOwnNetns(import.meta.url, measure);
