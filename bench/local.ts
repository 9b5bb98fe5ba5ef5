// Benchmark of `earshot local` against ss, netstat and lsof on a loaded namespace: ~2,000 listening
// sockets across 40 processes and 3,000 established loopback connections (6,000 sockets).
// Run as root: `npm run bench` (builds first). Prints medians and ratios; timings are wall clock
// of whole processes (spawn to exit) unless marked in-process.
import { type spawn, spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readSockets } from '../dist/index.js';
import { startReadyProcess } from './lib/run.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const holder = `${root}test/helpers/netns/holder.py`;
const cli = `${root}dist/cli/main.js`;
const RUNS = Number(process.env.EARSHOT_BENCH_RUNS ?? 15);
const LISTENER_PROCESSES = 30;
const LISTENERS_EACH = 67;
const CONNECTION_PROCESSES = 10;
const CONNECTIONS_EACH = 300;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** A sample: wall-clock ms, and CPU ms (user + system, every thread) when it can be measured. */
interface Sample {
  wallMs: number;
  cpuMs: number | null;
}

const hasPerf = spawnSync('perf', ['stat', '-x,', '-e', 'task-clock', '--', 'true']).status === 0;

// CPU time is the steadier figure on a shared machine: other load stretches wall time, not CPU time.
// Wall time comes from a plain run, CPU time (perf stat's task-clock: every thread of the command)
// from a second run under perf, so that perf's own start-up is not in the wall figure.
function timeCommand(file: string, args: string[]): Sample {
  const start = performance.now();
  const plain = spawnSync(file, args, { stdio: 'ignore' });
  const wallMs = performance.now() - start;
  if (plain.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${plain.status}`);
  if (!hasPerf) return { wallMs, cpuMs: null };
  const perf = spawnSync('perf', ['stat', '-x,', '-e', 'task-clock', '--', file, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const line = perf.stderr
    .toString()
    .split('\n')
    .findLast((text) => text.includes('task-clock'));
  return { wallMs, cpuMs: line ? Number(line.split(',')[0]) : null };
}

// The alternative the owner scan rejected: one promise per readdir and per readlink.
async function scanFdsAsync(): Promise<number> {
  let sockets = 0;
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  await Promise.all(
    pids.map(async (pid) => {
      const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
      const links = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
      sockets += links.filter((link) => link.startsWith('socket:[')).length;
    }),
  );
  return sockets;
}

function scanFdsSync(): number {
  let sockets = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {}
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:[')) sockets++;
      } catch {}
    }
  }
  return sockets;
}

async function timeInProcess(fn: () => Promise<unknown> | unknown): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

/** Inside the loaded namespace: measure every contender, interleaved so noise hits all alike. */
async function measure(): Promise<void> {
  const contenders: [string, () => Promise<Sample> | Sample][] = [
    ['ss -tulpnH', () => timeCommand('ss', ['-tulpnH'])],
    ['netstat -tulpn', () => timeCommand('netstat', ['-tulpn'])],
    ['lsof -i -n -P', () => timeCommand('lsof', ['-i', '-n', '-P'])],
    ['earshot local', () => timeCommand(process.execPath, [cli, 'local'])],
    ['earshot local --json', () => timeCommand(process.execPath, [cli, 'local', '--json'])],
    ['earshot --version', () => timeCommand(process.execPath, [cli, '--version'])],
    ['node -e 0 (Node start-up)', () => timeCommand(process.execPath, ['-e', '0'])],
    ['readSockets listening (in-process)', () => timeInProcess(() => readSockets({ listeningOnly: true }))],
    ['readSockets all (in-process)', () => timeInProcess(() => readSockets())],
    ['fd scan, sync readlink (in-process)', () => timeInProcess(scanFdsSync)],
    ['fd scan, promise per fd (in-process)', () => timeInProcess(scanFdsAsync)],
  ];
  const inventory = await readSockets();
  const listening = inventory.sockets.filter((s) => s.state === 'LISTEN').length;
  const established = inventory.sockets.filter((s) => s.state === 'ESTABLISHED').length;
  const owners = new Set(inventory.sockets.flatMap((s) => s.owners.map((o) => o.pid))).size;
  console.log(`load: ${listening} listening, ${established} established sockets, ${owners} owner processes`);
  const times = new Map<string, Sample[]>(contenders.map(([name]) => [name, []]));
  for (const [, run] of contenders) await run(); // warm-up: page cache, JIT
  for (let round = 0; round < RUNS; round++) {
    for (const [name, run] of contenders) times.get(name)!.push(await run());
  }
  const wall = new Map([...times].map(([name, samples]) => [name, median(samples.map((s) => s.wallMs))]));
  const cpu = new Map(
    [...times].map(([name, samples]) => [
      name,
      samples[0]!.cpuMs === null ? null : median(samples.map((s) => s.cpuMs!)),
    ]),
  );
  const ratio = (value: number | null, base: number | null) =>
    value === null || base === null ? '-' : (value / base).toFixed(2);
  const cell = (value: number | null) => (value === null ? '-' : value.toFixed(1));
  console.log(
    `\nmedians of ${RUNS} runs, ms         wall  ×ss  ×lsof │  cpu   ×ss  ×lsof   (cpu: user+sys, all threads)`,
  );
  for (const name of wall.keys()) {
    const w = wall.get(name)!;
    const c = cpu.get(name)!;
    console.log(
      `${name.padEnd(36)} ${cell(w).padStart(6)} ${ratio(w, wall.get('ss -tulpnH')!).padStart(5)} ${ratio(w, wall.get('lsof -i -n -P')!).padStart(5)} │ ${cell(c).padStart(6)} ${ratio(c, cpu.get('ss -tulpnH')!).padStart(5)} ${ratio(c, cpu.get('lsof -i -n -P')!).padStart(5)}`,
    );
  }
  const check = (label: string, value: number, limit: number) =>
    console.log(
      `${value <= limit ? 'met   ' : 'MISSED'} ${label}: ${value.toFixed(1)} vs ${limit.toFixed(1)} ms`,
    );
  console.log('');
  check(
    'earshot local whole-process <= 1.0x lsof -i -n -P (wall)',
    wall.get('earshot local')!,
    wall.get('lsof -i -n -P')!,
  );
  check(
    'readSockets in-process (listening + owners) <= 1.0x ss -tulpnH whole-process (wall)',
    wall.get('readSockets listening (in-process)')!,
    wall.get('ss -tulpnH')!,
  );
  check('earshot --version start-up <= 100 ms (wall)', wall.get('earshot --version')!, 100);
  console.log(
    `load average while measuring: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')} on ${cpus().length} CPUs`,
  );
}

function run(file: string, args: string[]): void {
  const result = spawnSync(file, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} failed`);
}

/** Outside: build the namespace and its load, run this file again inside it, clean up. */
async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('bench/local: skipped (needs root to create a network namespace)');
    return;
  }
  for (const tool of ['ss', 'netstat', 'lsof']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      console.log(`bench/local: skipped (${tool} missing; apt-get install iproute2 net-tools lsof)`);
      return;
    }
  }
  const ns = `esbench-${process.pid}`;
  const children: ReturnType<typeof spawn>[] = [];
  run('ip', ['netns', 'add', ns]);
  try {
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const start = (args: string[]) =>
      startReadyProcess('ip', ['netns', 'exec', ns, '/usr/bin/python3', holder, ...args], children);
    const ready: Promise<void>[] = [];
    for (let i = 0; i < LISTENER_PROCESSES; i++) {
      const host = i % 2 === 0 ? '127.0.0.1' : '[::1]';
      ready.push(start(Array.from({ length: LISTENERS_EACH }, () => `tcp:${host}:0`)));
    }
    for (let i = 0; i < CONNECTION_PROCESSES; i++) {
      ready.push(start(['tcp:127.0.0.1:0', '--connections', String(CONNECTIONS_EACH)]));
    }
    await Promise.all(ready);
    const inner = spawnSync(
      'ip',
      ['netns', 'exec', ns, process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), '--inside'],
      { stdio: 'inherit', cwd: root },
    );
    if (inner.status !== 0) throw new Error(`measurement exited ${inner.status}`);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    run('ip', ['netns', 'del', ns]);
  }
}

if (process.argv.includes('--inside')) await measure();
else await main();
