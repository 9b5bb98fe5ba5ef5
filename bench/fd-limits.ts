// Benchmark: `earshot verify` and `earshot scan -sU` of both loopbacks under hard open-files limits
// (prlimit --nofile=N:N), in a fresh namespace with TCP and UDP listeners of our own. Each limited
// run must give the unlimited run's report (ports, findings, which witnesses ran): running out of
// descriptors makes earshot slower, never wrong. Prints each run's time against the unlimited one.
// Needs root: it re-runs itself in a fresh network namespace (unshare --net). `npm run bench` runs it.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScanReport, VerifyReport } from '../src/model.js';
import { runInOwnNetns, runTimed } from './lib/run.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const LISTENERS = [
  'tcp:127.0.0.1:22',
  'tcp:[::]:80',
  'tcp:127.0.0.1:8443',
  'tcp6only:[::1]:9000',
  'tcp:127.0.0.1:45000',
  'udp:127.0.0.1:53',
  'udp:[::1]:5353',
  'udpsilent:127.0.0.1:4444',
];
const LIMITS: (number | null)[] = [null, 1024, 512, 256, 128, 64];
const earshot = [process.execPath, join(root, 'dist/cli/main.js')];

const verifyView = (report: VerifyReport) =>
  JSON.stringify({
    ports: report.ports,
    findings: report.findings,
    witnesses: report.witnesses.map(({ witness, available }) => ({ witness, available })),
  });
const udpView = (report: ScanReport) =>
  JSON.stringify(report.hosts.map(({ address, ports, extraPorts }) => ({ address, ports, extraPorts })));

interface Case {
  name: string;
  args: string[];
  view(stdout: string): string;
}

const CASES: Case[] = [
  {
    name: 'verify (TCP and UDP 1-65535, bind witness, detection)',
    args: ['verify', '--json'],
    view: (stdout) => verifyView(JSON.parse(stdout) as VerifyReport),
  },
  {
    name: 'scan -sU -p- 127.0.0.1 ::1',
    args: ['scan', '--json', '-sU', '-p-', '127.0.0.1', '::1'],
    view: (stdout) => udpView(JSON.parse(stdout) as ScanReport),
  },
];

async function main() {
  if (process.getuid?.() !== 0)
    throw new Error('the benchmark needs root (it runs in a namespace of its own)');
  const listener = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'test/helpers/netns/listener.ts'), ...LISTENERS],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: root },
  );
  await new Promise<void>((resolve, reject) => {
    listener.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    listener.once('exit', () => reject(new Error('listener exited')));
  });
  let wrong = 0;
  try {
    for (const test of CASES) {
      console.log(`\n${test.name}`);
      let reference: { view: string; ms: number } | null = null;
      for (const limit of LIMITS) {
        const prefix = limit === null ? [] : ['prlimit', `--nofile=${limit}:${limit}`];
        const run = await runTimed([...prefix, ...earshot, ...test.args], { timeoutMs: 600_000 });
        let view = '';
        try {
          view = test.view(run.stdout);
        } catch {
          // No JSON: reported below as a failed run.
        }
        reference ??= { view, ms: run.ms };
        const same = run.code !== 70 && view !== '' && view === reference.view;
        if (!same) wrong++;
        console.log(
          `  ${(limit === null ? 'no limit' : `--nofile=${limit}`).padEnd(14)} exit ${run.code}  ` +
            `${(run.ms / 1000).toFixed(1).padStart(6)} s  ${(run.ms / reference.ms).toFixed(2)}× the unlimited run  ` +
            `${limit === null ? '(reference)' : same ? 'same report' : 'DIFFERENT REPORT'}`,
        );
      }
    }
  } finally {
    listener.kill('SIGKILL');
  }
  const [load1] = loadavg();
  console.log(`\nload average ${load1?.toFixed(2)} at the end`);
  console.log(
    wrong === 0 ? 'every limited run gave the unlimited report' : `${wrong} runs differed or failed`,
  );
  if (wrong > 0) process.exitCode = 1;
}

await runInOwnNetns(import.meta.url, main);
