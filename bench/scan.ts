// Benchmark: a full -p- connect scan of 127.0.0.1 in a fresh namespace with ~10 listeners — earshot
// against nmap (--min-rate 50000 and -T4) and a one-thread C epoll scanner (the machine's floor).
// Each round runs every tool once, in turn, and checks that each found exactly the listeners.
// Needs root: it re-runs itself inside a fresh network namespace (unshare --net), so it never scans
// this machine's own loopback. `npm run bench` runs it; BENCH_ROUNDS sets the rounds (default 7).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { grepableOpen, median, runInOwnNetns, runTimed, type Tool } from './lib/run.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const OPEN = [22, 80, 111, 443, 834, 3306, 8080, 33001, 45000, 60999];

async function main() {
  if (process.getuid?.() !== 0)
    throw new Error('the benchmark needs root (it runs in a namespace of its own)');
  const work = mkdtempSync(join(tmpdir(), 'earshot-bench-'));
  const floorBin = join(work, 'connect-floor');
  execFileSync('gcc', ['-O2', '-o', floorBin, join(root, 'bench/c/connect-floor.c')]);
  const listener = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'test/helpers/netns/listener.ts'),
      ...OPEN.map((port) => `tcp:127.0.0.1:${port}`),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: root },
  );
  await new Promise<void>((resolve, reject) => {
    listener.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    listener.once('exit', () => reject(new Error('listener exited')));
  });
  const tools: Tool[] = [
    {
      name: 'earshot scan -p- 127.0.0.1',
      command: [process.execPath, join(root, 'dist/cli/main.js'), 'scan', '-p-', '--json', '127.0.0.1'],
      openPorts: (stdout) =>
        (
          JSON.parse(stdout) as { hosts: { ports: { port: number; state: string }[] }[] }
        ).hosts[0]!.ports.filter((p) => p.state === 'open').map((p) => p.port),
    },
    {
      name: 'nmap -n -sT -p- --min-rate 50000',
      command: ['nmap', '-n', '-sT', '-p-', '--min-rate', '50000', '-oG', '-', '127.0.0.1'],
      openPorts: grepableOpen,
    },
    {
      name: 'nmap -n -sT -p- -T4',
      command: ['nmap', '-n', '-sT', '-p-', '-T4', '-oG', '-', '127.0.0.1'],
      openPorts: grepableOpen,
    },
    {
      name: 'C epoll floor (1 thread)',
      command: [floorBin, '127.0.0.1'],
      openPorts: (stdout) =>
        stdout
          .split('\n')
          .filter(Boolean)
          .map(Number)
          .sort((a, b) => a - b),
    },
  ];
  const times = new Map<string, number[]>(tools.map((tool) => [tool.name, []]));
  const cpus = new Map<string, number[]>(tools.map((tool) => [tool.name, []]));
  let inexact = 0;
  try {
    for (let round = 1; round <= rounds; round++) {
      const line: string[] = [];
      for (const tool of tools) {
        const { ms, cpuMs, stdout, code } = await runTimed(tool.command);
        const found = code === 0 ? tool.openPorts(stdout) : [];
        const exact = JSON.stringify(found) === JSON.stringify(OPEN);
        if (!exact) {
          inexact++;
          console.error(
            `round ${round}: ${tool.name} found [${found.join(',')}], expected [${OPEN.join(',')}]`,
          );
        }
        times.get(tool.name)!.push(ms);
        cpus.get(tool.name)!.push(cpuMs);
        line.push(`${tool.name.split(' ')[0]} ${(ms / 1000).toFixed(3)}s${exact ? '' : ' INEXACT'}`);
      }
      console.log(`round ${round}: ${line.join('  ')}`);
    }
  } finally {
    listener.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
  const earshot = median(times.get(tools[0]!.name)!);
  const earshotCpu = median(cpus.get(tools[0]!.name)!);
  const [load1] = loadavg();
  console.log(
    `\nmedians over ${rounds} rounds, whole process, 65535 ports, ${OPEN.length} open ` +
      `(${availableParallelism()} cores, load average ${load1?.toFixed(2)} at the end):`,
  );
  console.log(
    `  ${'tool'.padEnd(34)} ${'wall'.padStart(8)} ${'earshot÷'.padStart(9)} ${'cpu'.padStart(8)} ${'earshot÷'.padStart(9)}`,
  );
  for (const tool of tools) {
    const wall = median(times.get(tool.name)!);
    const cpu = median(cpus.get(tool.name)!);
    const ratio = (a: number, b: number) => (tool === tools[0] ? '' : `${(a / b).toFixed(2)}×`).padStart(9);
    console.log(
      `  ${tool.name.padEnd(34)} ${`${(wall / 1000).toFixed(3)} s`.padStart(8)} ${ratio(earshot, wall)} ` +
        `${`${(cpu / 1000).toFixed(2)} s`.padStart(8)} ${ratio(earshotCpu, cpu)}`,
    );
  }
  console.log(
    inexact === 0 ? 'every run found exactly the listeners' : `${inexact} inexact runs (see stderr)`,
  );
  if (inexact > 0) process.exitCode = 1;
}

await runInOwnNetns(import.meta.url, main);
