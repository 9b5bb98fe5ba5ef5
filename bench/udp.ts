// Benchmark: a full -sU -p- of 127.0.0.1 in a fresh namespace with UDP echo listeners and one
// silent port — earshot against nmap -sU -p- at its default timing (raw sockets, as root). Each
// round runs both, in turn, and checks that each found exactly the expected states.
// `npm run bench` runs it; BENCH_ROUNDS sets the rounds (default 7).
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, runInOwnNetns, runTimed } from './lib/run.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const OPEN = [53, 123, 161, 40000];
const SILENT = [45000];
const EXPECTED = [...OPEN.map((p) => `${p}/open`), ...SILENT.map((p) => `${p}/open|filtered`)]
  .sort()
  .join(' ');

interface UdpTool {
  name: string;
  command: string[];
  states(stdout: string): string;
}

async function main() {
  const listener = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'test/helpers/netns/listener.ts'),
      ...OPEN.map((port) => `udp:127.0.0.1:${port}`),
      ...SILENT.map((port) => `udpsilent:127.0.0.1:${port}`),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: root },
  );
  await new Promise<void>((resolve, reject) => {
    listener.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    listener.once('exit', () => reject(new Error('listener exited')));
  });
  const tools: UdpTool[] = [
    {
      name: 'earshot scan -sU -p- 127.0.0.1',
      command: [
        process.execPath,
        join(root, 'dist/cli/main.js'),
        'scan',
        '-sU',
        '-p-',
        '--json',
        '127.0.0.1',
      ],
      states: (stdout) =>
        (JSON.parse(stdout) as { hosts: { ports: { port: number; state: string }[] }[] }).hosts[0]!.ports.map(
          (p) => `${p.port}/${p.state}`,
        )
          .sort()
          .join(' '),
    },
    {
      name: 'nmap -n -sU -p- 127.0.0.1',
      command: ['nmap', '-n', '-sU', '-p-', '-oG', '-', '127.0.0.1'],
      states: (stdout) =>
        [...stdout.matchAll(/(\d+)\/(open\|filtered|open)\/udp/g)]
          .map((m) => `${m[1]}/${m[2]}`)
          .sort()
          .join(' '),
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
        const found = code === 0 ? tool.states(stdout) : `exit ${code}`;
        const exact = found === EXPECTED;
        if (!exact) {
          inexact++;
          console.error(`round ${round}: ${tool.name} found [${found}], expected [${EXPECTED}]`);
        }
        times.get(tool.name)!.push(ms);
        cpus.get(tool.name)!.push(cpuMs);
        line.push(`${tool.name.split(' ')[0]} ${(ms / 1000).toFixed(3)}s${exact ? '' : ' INEXACT'}`);
      }
      console.log(`round ${round}: ${line.join('  ')}`);
    }
  } finally {
    listener.kill('SIGKILL');
  }
  const [earshot, nmap] = tools.map((tool) => median(times.get(tool.name)!));
  const [earshotCpu, nmapCpu] = tools.map((tool) => median(cpus.get(tool.name)!));
  console.log(
    `\nmedians over ${rounds} rounds, whole process, 65535 UDP ports, ${OPEN.length} open, ${SILENT.length} silent ` +
      `(${availableParallelism()} cores, load average ${loadavg()[0]?.toFixed(2)} at the end):`,
  );
  console.log(`  earshot ${(earshot! / 1000).toFixed(3)} s wall, ${(earshotCpu! / 1000).toFixed(2)} s cpu`);
  console.log(`  nmap    ${(nmap! / 1000).toFixed(3)} s wall, ${(nmapCpu! / 1000).toFixed(2)} s cpu`);
  console.log(
    `  earshot ÷ nmap: ${(earshot! / nmap!).toFixed(2)}× wall, ${(earshotCpu! / nmapCpu!).toFixed(2)}× cpu`,
  );
  console.log(
    inexact === 0 ? 'every run found exactly the expected states' : `${inexact} inexact runs (see stderr)`,
  );
  if (inexact > 0) process.exitCode = 1;
}

await runInOwnNetns(import.meta.url, main);
