// Runs a benchmark inside a network namespace of its own, so that it never probes this machine's
// own loopback: the script re-runs itself under `unshare --net` with `lo` up.
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const MARKER = 'EARSHOT_BENCH_NETNS';

/** Calls `main` when already inside the private namespace; otherwise re-runs `scriptUrl` inside one. */
export async function runInOwnNetns(scriptUrl: string, main: () => Promise<void>): Promise<void> {
  const script = fileURLToPath(scriptUrl);
  if (process.env[MARKER] === '1') {
    await main();
    return;
  }
  if (process.getuid?.() !== 0) {
    console.error(
      `bench/${basename(script)}: needs root (it runs in a network namespace of its own); skipped.`,
    );
    return;
  }
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
      script,
    ],
    {
      stdio: 'inherit',
      env: { ...process.env, [MARKER]: '1' },
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    },
  );
  process.exitCode = result.status ?? 1;
}
