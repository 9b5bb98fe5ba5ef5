// earshot local against ss, in network namespaces this test makes: the same sockets, states and
// owner pids, for listeners, connections, forked servers, deleted executables, other users, other
// namespaces, and a run as an unprivileged user.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LocalReport, Socket } from '../../src/model.js';
import { earshotCommand, runEarshot } from '../helpers/cli.js';
import { type Netns, skipUnlessRoot, waitForLine, withNetns } from '../helpers/netns/netns.js';
import { earshotKeys, ssKeys } from '../helpers/oracles/ss.js';

const holder = fileURLToPath(new URL('../helpers/netns/holder.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

/** Starts test/helpers/netns/holder.py in `ns` (optionally through `prefix`, e.g. setpriv) and returns its pids. */
async function hold(ns: Netns, args: string[], options: { exe?: string; prefix?: string[] } = {}) {
  const command = [...(options.prefix ?? []), options.exe ?? PYTHON, holder, ...args];
  const child = ns.spawn(command[0]!, command.slice(1));
  const line = await waitForLine(child, /^ready( \d+)+\n/m, 20_000);
  return line.trim().split(' ').slice(1).map(Number);
}

async function localJson(ns: Netns, args: string[]): Promise<LocalReport> {
  const result = await runEarshot(['local', '--json', ...args], { netns: ns });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as LocalReport;
}

/** Runs earshot local and ss in `ns` and asserts the two agree socket for socket, pids included. */
async function assertSameAsSs(ns: Netns, earshotArgs: string[], ssArgs: string): Promise<Socket[]> {
  const report = await localJson(ns, earshotArgs);
  const ss = await ns.execOk('ss', [ssArgs]);
  assert.ok(ss.trim() !== '', 'ss saw no sockets');
  const only = ssArgs.includes('u') ? undefined : 'tcp';
  assert.deepEqual(earshotKeys(report.sockets), ssKeys(ss, only));
  return report.sockets;
}

describe('earshot local against ss in namespaces', { skip: skipUnlessRoot }, () => {
  it('lists v4, v6, dual-stack and UDP listeners like ss -tulpn', async () => {
    await withNetns('loc-listen', async (ns) => {
      await hold(ns, [
        'tcp:127.0.0.1:0',
        'tcp:0.0.0.0:0',
        'tcp6only:[::1]:0',
        'tcp:[::]:0',
        'udp:127.0.0.1:0',
        'udp:[::1]:0',
        'udp:0.0.0.0:0',
      ]);
      const sockets = await assertSameAsSs(ns, [], '-tulpnH');
      assert.equal(sockets.length, 7);
      assert.deepEqual(sockets.map((s) => `${s.protocol}/${s.family} ${s.localAddress}`).sort(), [
        'tcp/ipv4 0.0.0.0',
        'tcp/ipv4 127.0.0.1',
        'tcp/ipv6 ::',
        'tcp/ipv6 ::1',
        'udp/ipv4 0.0.0.0',
        'udp/ipv4 127.0.0.1',
        'udp/ipv6 ::1',
      ]);
    });
  });

  it('lists established connections, v4-mapped ones included, like ss -tanp', async () => {
    await withNetns('loc-estab', async (ns) => {
      await hold(ns, ['tcp:127.0.0.1:0', '--connections', '5']);
      await hold(ns, ['tcp:[::]:0', '--connections', '3', '--connect-host', '127.0.0.1']);
      await hold(ns, ['tcp6only:[::1]:0', '--connections', '2']);
      const sockets = await assertSameAsSs(ns, ['-a', '-t'], '-tanpH');
      assert.equal(sockets.filter((s) => s.state === 'ESTABLISHED').length, 20);
      const mapped = sockets.filter((s) => s.family === 'ipv6' && s.localAddress === '127.0.0.1');
      assert.equal(mapped.length, 3);
    });
  });

  it('lists every process of a forked server sharing one socket, like the guide four ypbind pids', async () => {
    await withNetns('loc-fork', async (ns) => {
      const pids = await hold(ns, ['--fork', '3', '--name', 'ypbind', 'tcp:0.0.0.0:0', 'udp:0.0.0.0:0']);
      assert.equal(pids.length, 4);
      const sockets = await assertSameAsSs(ns, [], '-tulpnH');
      for (const socket of sockets) {
        assert.deepEqual(socket.owners.map((o) => o.pid).sort(), [...pids].sort());
        assert.ok(socket.owners.every((o) => o.name === 'ypbind' && o.user === 'root'));
      }
      const text = await runEarshot(['local', '-t'], { netns: ns });
      const sorted = [...pids].sort((a, b) => a - b).join(',');
      assert.match(
        text.stdout,
        new RegExp(`^tcp\\s+LISTEN .* root\\s+ypbind\\[${sorted}\\] /usr/bin/python3`, 'm'),
      );
    });
  });

  it('marks a listener whose executable was deleted after it started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'earshot-exe-'));
    const exe = join(dir, 'listener-copy');
    try {
      copyFileSync('/usr/bin/python3.11', exe);
      await withNetns('loc-deleted', async (ns) => {
        await ns.execOk('chmod', ['755', exe]);
        const [pid] = await hold(ns, ['tcp:127.0.0.1:0'], { exe });
        rmSync(exe);
        const sockets = await assertSameAsSs(ns, [], '-tulpnH');
        const owner = sockets[0]!.owners[0]!;
        assert.equal(owner.pid, pid);
        assert.equal(owner.exe, exe);
        assert.equal(owner.exeDeleted, true);
        assert.equal(owner.name, 'listener-copy');
        const text = await runEarshot(['local'], { netns: ns });
        assert.match(text.stdout, new RegExp(`listener-copy\\[${pid}\\] ${exe} \\(deleted\\)$`, 'm'));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names another user's process and its sockets' uid", async () => {
    await withNetns('loc-user', async (ns) => {
      const [pid] = await hold(ns, ['tcp:127.0.0.1:0', 'udp:[::1]:0'], { prefix: ['setpriv', ...NOBODY] });
      const sockets = await assertSameAsSs(ns, [], '-tulpnH');
      assert.equal(sockets.length, 2);
      for (const socket of sockets) {
        assert.equal(socket.uid, 65534);
        assert.equal(socket.user, 'nobody');
        assert.deepEqual(
          socket.owners.map((o) => [o.pid, o.uid, o.user]),
          [[pid, 65534, 'nobody']],
        );
      }
      const byUser = await localJson(ns, ['--user', 'nobody', '-u']);
      assert.equal(byUser.sockets.length, 1);
    });
  });

  it('finds the sockets of a second namespace with --all-netns, labelled with its inode', async () => {
    await withNetns('loc-nsa', async (a) => {
      await withNetns('loc-nsb', async (b) => {
        await hold(a, ['tcp:127.0.0.1:0']);
        await hold(b, ['tcp:[::]:0', 'udp:0.0.0.0:0', '--fork', '1']);
        const inodeOf = async (ns: Netns) =>
          /net:\[(\d+)\]/.exec(await ns.execOk('readlink', ['/proc/self/ns/net']))![1]!;
        const [inodeA, inodeB] = [await inodeOf(a), await inodeOf(b)];
        const report = await localJson(a, ['--all-netns']);
        const ofNs = (inode: string) => report.sockets.filter((s) => s.netns === inode);
        assert.deepEqual(earshotKeys(ofNs(inodeB)), ssKeys(await b.execOk('ss', ['-tulpnH'])));
        assert.deepEqual(earshotKeys(ofNs(inodeA)), ssKeys(await a.execOk('ss', ['-tulpnH'])));
        assert.equal(ofNs(inodeB).length, 2);
        // Without --all-netns only our own namespace is read, and labelled.
        const own = await localJson(a, []);
        assert.ok(own.sockets.length > 0 && own.sockets.every((s) => s.netns === inodeA));
        const text = await runEarshot(['local', '--all-netns'], { netns: a });
        assert.match(
          text.stdout,
          new RegExp(`^tcp\\s+LISTEN\\s+0\\s+0\\s+\\[::\\]:\\d+\\s+${inodeB}\\s+root\\s+python3\\[`, 'm'),
        );
      });
    });
  });

  it('run as nobody: other users owners are "owner unknown: run as root", own ones known, exit 0', async () => {
    await withNetns('loc-nonroot', async (ns) => {
      await hold(ns, ['tcp:127.0.0.1:0']);
      const [mine] = await hold(ns, ['tcp:127.0.0.1:0'], { prefix: ['setpriv', ...NOBODY] });
      const asNobody = { netns: ns, prefix: ['setpriv', ...NOBODY] };
      const json = await runEarshot(['local', '--json'], asNobody);
      assert.equal(json.code, 0, json.stderr);
      assert.equal(json.stderr, '');
      const report = JSON.parse(json.stdout) as LocalReport;
      assert.equal(report.complete, false);
      const rootSocket = report.sockets.find((s) => s.uid === 0)!;
      assert.deepEqual(rootSocket.owners, []);
      assert.deepEqual(rootSocket.ownerStatus, {
        kind: 'unknown',
        reason: 'EACCES',
        message: 'owner unknown: run as root',
      });
      const ownSocket = report.sockets.find((s) => s.uid === 65534)!;
      assert.deepEqual(ownSocket.ownerStatus, { kind: 'known' });
      assert.deepEqual(
        ownSocket.owners.map((o) => o.pid),
        [mine],
      );
      const text = await runEarshot(['local'], asNobody);
      assert.equal(text.code, 0);
      assert.match(text.stdout, /^tcp\s+LISTEN .* root\s+owner unknown: run as root$/m);
      assert.match(text.stdout, /^1 socket\(s\) have owners this user may not see: run as root/m);
      assert.match(text.stderr, /^earshot: warning: .*could not be read \(EACCES\)/m);
      assert.doesNotMatch(text.stderr, /error/i);
    });
  });

  it('under hidepid=2, where no EACCES betrays other processes, still says "owner unknown"', async () => {
    await withNetns('loc-hidepid', async (ns) => {
      await hold(ns, ['tcp:127.0.0.1:0']);
      const script = `mount -t proc -o hidepid=2 proc /proc && exec setpriv ${NOBODY.join(' ')} "$0" "$1" local --json`;
      const result = await ns.exec('unshare', [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        script,
        ...earshotCommand([]),
      ]);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as LocalReport;
      assert.equal(report.sockets.length, 1);
      assert.equal(report.complete, false);
      assert.deepEqual(report.sockets[0]!.ownerStatus, {
        kind: 'unknown',
        reason: 'EACCES',
        message: 'owner unknown: run as root',
      });
    });
  });
});
