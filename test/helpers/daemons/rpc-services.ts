// Debian's RPC daemons for a test: rpcbind, ypserv and ypbind inside a namespace, with private /run
// and /var/yp (test/helpers/daemons/rpc-services.sh), stopped by PID afterwards.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type Netns, waitForLine } from '../netns/netns.js';

const servicesScript = fileURLToPath(new URL('./rpc-services.sh', import.meta.url));

/** The commands the RPC scene needs; a test skips when one is missing. */
export const RPC_SCENE_COMMANDS = ['rpcbind', 'rpcinfo', 'ypserv', 'ypbind', 'domainname', 'unshare'];

/** Starts rpcbind, ypserv and ypbind in `ns`, runs `fn`, then stops them (by PID). */
export async function withRpcServices<T>(ns: Netns, fn: () => Promise<T>): Promise<T> {
  const domain = `earshot${process.pid}`;
  const child: ChildProcess = ns.spawn('unshare', [
    '-m',
    '-u',
    '--propagation',
    'private',
    'sh',
    servicesScript,
    domain,
  ]);
  let pids: number[] = [];
  try {
    const line = await waitForLine(child, /^pids:[\d ]+\nready$/m, 30_000);
    pids = line.split('\n')[0]!.replace('pids:', '').trim().split(/\s+/).map(Number);
    return await fn();
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([once(child, 'close'), new Promise((resolve) => setTimeout(resolve, 5000))]);
    }
    // The script stops its daemons on SIGTERM; make sure, by the PIDs it printed.
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}
