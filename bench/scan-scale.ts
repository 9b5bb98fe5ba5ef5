// Benchmark: a /16 × 3 ports (196,608 probes) where every address answers — earshot against
// `nmap -n -sT -Pn -T4` in the same namespace, in turn, each run checked exact (80/open on all
// 65,536 hosts, 22 and 443 closed) and measured for wall time, CPU and peak RSS (GNU time's %M).
// The targets: no slower than nmap, peak RSS ≤ 150 MB. Every address answers because the namespace
// routes 10.231.0.0/16 to its own loopback (docs/netns.md), with bench/c/accept-sink.c accepting on
// 0.0.0.0:80. Needs root: it re-runs itself in a fresh network namespace (unshare --net).
// `npm run bench` runs it; BENCH_ROUNDS sets the rounds (default 3).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, runInOwnNetns, runTimed } from './lib/run.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const RANGE = '10.231.0.0/16';
const HOSTS = 65_536;
const TARGET_RSS_MB = 150;

interface Tool {
  name: string;
  command(grepable: string): string[];
}

/** Hosts whose grepable line says exactly 80 open and the other two closed (nmap and earshot alike). */
function exactHosts(grepable: string): number {
  const addresses = new Set<string>();
  for (const line of readFileSync(grepable, 'utf8').split('\n')) {
    const match = /^Host: (\S+) .*\tPorts: (.*)$/.exec(line);
    if (!match) continue;
    const ports = match[2]!;
    const open80 = /(^|, )80\/open\/tcp\//.test(ports);
    const closedOthers =
      /Ignored State: closed \(2\)/.test(ports) ||
      (/(^|, )22\/closed\/tcp\//.test(ports) && /(^|, )443\/closed\/tcp\//.test(ports));
    if (open80 && closedOthers) addresses.add(match[1]!);
  }
  return addresses.size;
}

async function main() {
  if (process.getuid?.() !== 0)
    throw new Error('the benchmark needs root (it runs in a namespace of its own)');
  const work = mkdtempSync(join(tmpdir(), 'earshot-bench-scale-'));
  const sinkBin = join(work, 'accept-sink');
  execFileSync('gcc', ['-O2', '-o', sinkBin, join(root, 'bench/c/accept-sink.c')]);
  execFileSync('ip', ['route', 'add', 'local', RANGE, 'dev', 'lo']);
  const sink = spawn(sinkBin, ['80', '3600'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    sink.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    sink.once('exit', () => reject(new Error('accept-sink exited')));
  });
  const tools: Tool[] = [
    {
      name: `earshot scan -Pn -p 22,80,443 ${RANGE}`,
      // The binary as a user runs it (`earshot`): its #! line sets the main thread's heap limits.
      command: (grepable) => [
        join(root, 'dist/cli/main.js'),
        'scan',
        '-q',
        '-Pn',
        '-p',
        '22,80,443',
        '-oG',
        grepable,
        RANGE,
      ],
    },
    {
      name: `nmap -n -sT -Pn -T4 -p 22,80,443 ${RANGE}`,
      command: (grepable) => ['nmap', '-n', '-sT', '-Pn', '-T4', '-p', '22,80,443', '-oG', grepable, RANGE],
    },
  ];
  const wall = new Map<string, number[]>(tools.map((tool) => [tool.name, []]));
  const cpu = new Map<string, number[]>(tools.map((tool) => [tool.name, []]));
  const rss = new Map<string, number[]>(tools.map((tool) => [tool.name, []]));
  let inexact = 0;
  try {
    for (let round = 1; round <= rounds; round++) {
      const line: string[] = [];
      for (const tool of tools) {
        const grepable = join(work, 'out.gnmap');
        const run = await runTimed(tool.command(grepable), { timeoutMs: 600_000 });
        const exact = run.code === 0 ? exactHosts(grepable) : 0;
        if (exact !== HOSTS) {
          inexact++;
          console.error(`round ${round}: ${tool.name} exit ${run.code}, ${exact} of ${HOSTS} hosts exact`);
        }
        wall.get(tool.name)!.push(run.ms);
        cpu.get(tool.name)!.push(run.cpuMs);
        rss.get(tool.name)!.push(run.maxRssKb / 1024);
        line.push(
          `${tool.name.split(' ')[0]} ${(run.ms / 1000).toFixed(1)} s ${(run.maxRssKb / 1024).toFixed(0)} MB${exact === HOSTS ? '' : ' INEXACT'}`,
        );
      }
      console.log(`round ${round}: ${line.join('  ')}`);
    }
  } finally {
    sink.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
  const [load1] = loadavg();
  console.log(
    `\nmedians over ${rounds} rounds, ${HOSTS} hosts × 3 ports, every address answering ` +
      `(${availableParallelism()} cores, load average ${load1?.toFixed(2)} at the end):`,
  );
  console.log(`  ${'tool'.padEnd(48)} ${'wall'.padStart(8)} ${'cpu'.padStart(8)} ${'peak RSS'.padStart(9)}`);
  for (const tool of tools) {
    console.log(
      `  ${tool.name.padEnd(48)} ${`${(median(wall.get(tool.name)!) / 1000).toFixed(1)} s`.padStart(8)} ` +
        `${`${(median(cpu.get(tool.name)!) / 1000).toFixed(1)} s`.padStart(8)} ` +
        `${`${median(rss.get(tool.name)!).toFixed(0)} MB`.padStart(9)}`,
    );
  }
  const earshotWall = median(wall.get(tools[0]!.name)!);
  const nmapWall = median(wall.get(tools[1]!.name)!);
  const earshotRss = rss.get(tools[0]!.name)!.reduce((a, b) => Math.max(a, b), 0);
  console.log(
    `earshot ÷ nmap wall time: ${(earshotWall / nmapWall).toFixed(2)}× (target ≤ 1.00×: ${earshotWall <= nmapWall ? 'met' : 'NOT met'}); ` +
      `earshot's highest peak RSS: ${earshotRss.toFixed(0)} MB (target ≤ ${TARGET_RSS_MB} MB: ${earshotRss <= TARGET_RSS_MB ? 'met' : 'NOT met'})`,
  );
  console.log(inexact === 0 ? 'every run was exact' : `${inexact} inexact runs (see stderr)`);
  if (inexact > 0) process.exitCode = 1;
}

await runInOwnNetns(import.meta.url, main);
