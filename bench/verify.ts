// Benchmark: `earshot verify` (all 65535 TCP ports of 127.0.0.1 and ::1, the kernel tables, the bind
// witness over every TCP and UDP port) in a fresh namespace with a few listeners, against the
// guide's manual workflow done with the reference tools: nmap -sT -p- of both loopbacks plus
// `ss -tulpn`. Needs root: it re-runs itself inside a network namespace of its own (unshare --net).
// BENCH_ROUNDS sets the rounds (default 5).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median, runInOwnNetns } from './lib/run.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const LISTENERS = [22, 80, 834, 8080, 45000];

function timed(command: string[]): { ms: number; code: number; stdout: string } {
  const started = process.hrtime.bigint();
  const result = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', timeout: 120_000, cwd: root });
  return {
    ms: Number(process.hrtime.bigint() - started) / 1e6,
    code: result.status ?? 1,
    stdout: result.stdout,
  };
}

async function main(): Promise<void> {
  const script = `
import socket, time
held = []
for port in ${JSON.stringify(LISTENERS)}:
    s = socket.socket(socket.AF_INET6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(('::', port)); s.listen(); held.append(s)
print('ready', flush=True)
time.sleep(600)
`;
  const listener: ChildProcess = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => listener.stdout?.once('data', () => resolve()));
  try {
    const verify = (...flags: string[]) => [
      process.execPath,
      `${root}/dist/cli/main.js`,
      'verify',
      '--json',
      ...flags,
    ];
    const nmap = (...args: string[]) => ['nmap', '-n', ...args, '-p-', '--min-rate', '50000'];
    // Each earshot variant is held against the reference tools doing the same part of the job.
    const variants = [
      {
        earshot: verify('--no-udp', '--no-version'),
        label: 'verify --no-udp --no-version (TCP 2×65535, /proc, bind 4×65535)',
        guide: [nmap('-sT', '127.0.0.1'), nmap('-6', '-sT', '::1'), ['ss', '-tulpnH']],
        guideLabel: 'nmap -sT -p- 127.0.0.1 + nmap -6 -sT -p- ::1 + ss -tulpn',
      },
      {
        earshot: verify(),
        label: 'verify (+ UDP 2×65535, -sV on ports /etc/services does not name)',
        guide: [
          nmap('-sT', '127.0.0.1'),
          nmap('-6', '-sT', '::1'),
          nmap('-sU', '127.0.0.1'),
          nmap('-6', '-sU', '::1'),
          ['ss', '-tulpnH'],
        ],
        guideLabel: 'the same + nmap -sU -p- of both loopbacks',
      },
    ];
    let inexact = 0;
    const lines: string[] = [];
    for (const variant of variants) {
      const earshotMs: number[] = [];
      const guideMs: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const run = timed(variant.earshot);
        earshotMs.push(run.ms);
        const report = JSON.parse(run.stdout) as {
          ports: { protocol: string; port: number; network: { state: string }[] }[];
        };
        const open = report.ports
          .filter((row) => row.protocol === 'tcp' && row.network.some((o) => o.state === 'open'))
          .map((row) => row.port);
        if (JSON.stringify(open.sort((a, b) => a - b)) !== JSON.stringify(LISTENERS)) inexact++;
        guideMs.push(variant.guide.map((command) => timed(command).ms).reduce((a, b) => a + b, 0));
      }
      const e = median(earshotMs);
      const g = median(guideMs);
      lines.push(`  earshot ${variant.label.padEnd(68)} ${(e / 1000).toFixed(3)} s`);
      lines.push(
        `  ${variant.guideLabel.padEnd(76)} ${(g / 1000).toFixed(3)} s   earshot ${(e / g).toFixed(2)}×`,
      );
    }
    console.log(
      `earshot verify, ${rounds} rounds each, load average ${loadavg()[0]!.toFixed(2)} (medians, whole process;\n` +
        `the listeners accept and stay silent, so -sV spends its whole 2.5 s budget on the two unnamed ones):\n` +
        `${lines.join('\n')}\n` +
        (inexact === 0 ? '  every verify run found exactly the listeners' : `  ${inexact} inexact runs`),
    );
    if (inexact > 0) process.exitCode = 1;
  } finally {
    listener.kill('SIGKILL');
  }
}

await runInOwnNetns(import.meta.url, main);
