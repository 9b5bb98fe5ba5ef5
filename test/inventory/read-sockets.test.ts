import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isEarshotError } from '../../src/errors.js';
import { parseCgroup } from '../../src/inventory/cgroup.js';
import { parseStat } from '../../src/inventory/proc-owners.js';
import { readSockets } from '../../src/inventory/read-sockets.js';
import { fixturePath } from '../helpers/fixtures.js';
import { earshotKeys, ssKeys } from '../helpers/oracles/ss.js';

const isRoot = process.geteuid?.() === 0;
const fixtures = fixturePath('proc/');
const procRoot = `${fixtures}ypbind`;
const passwdPath = `${fixtures}passwd`;
const DOCKER_ID = '4f2a9c3e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f';

describe('readSockets on a captured procfs tree', () => {
  it('finds the same sockets and the same owner pids as ss did at capture time', async () => {
    const inventory = await readSockets({ procRoot, passwdPath });
    assert.deepEqual(
      earshotKeys(inventory.sockets),
      ssKeys(readFileSync(`${procRoot}/ss-tuanp.txt`, 'utf8')),
    );
    assert.equal(inventory.complete, true);
    assert.deepEqual(inventory.warnings, []);
  });

  it('lists all four ypbind processes that share port 834, with unit, user and start time', async () => {
    const inventory = await readSockets({ procRoot, passwdPath, protocols: ['tcp'], listeningOnly: true });
    const socket = inventory.sockets.find((s) => s.localPort === 834)!;
    assert.equal(`net:[${socket.netns}]`, readlinkSync(`${procRoot}/self/ns/net`));
    assert.deepEqual(socket.ownerStatus, { kind: 'known' });
    const [parent, ...children] = socket.owners;
    assert.equal(socket.owners.length, 4);
    assert.ok(children.every((child) => child.ppid === parent!.pid));
    for (const owner of socket.owners) {
      assert.equal(owner.name, 'ypbind');
      assert.equal(owner.exe, '/usr/bin/python3.11');
      assert.equal(owner.exeDeleted, false);
      assert.equal(owner.user, 'root');
      assert.equal(owner.uid, 0);
      assert.equal(owner.unit, 'ypbind.service');
      assert.equal(owner.container, null);
      assert.equal(owner.cmdline[0], '/usr/bin/python3');
      assert.match(owner.startTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d0Z$/);
    }
    assert.equal(socket.user, 'root');
  });

  it('marks the listener whose executable was deleted, and its container', async () => {
    const inventory = await readSockets({ procRoot, passwdPath, listeningOnly: true });
    const socket = inventory.sockets.find((s) => s.localPort === 31337)!;
    assert.equal(socket.owners.length, 1);
    const owner = socket.owners[0]!;
    assert.equal(owner.name, 'backdoor');
    assert.equal(owner.exeDeleted, true);
    assert.match(owner.exe!, /^\/tmp\/tmp\.\w+\/backdoor$/);
    assert.equal(owner.container, DOCKER_ID);
    assert.equal(owner.unit, `docker-${DOCKER_ID}.scope`);
  });

  it('filters by protocol, family and listening state', async () => {
    const listening = await readSockets({ procRoot, passwdPath, listeningOnly: true });
    assert.ok(listening.sockets.every((s) => s.state === 'LISTEN' || s.state === 'UNCONN'));
    assert.equal(listening.sockets.length, 6);
    const udp6 = await readSockets({ procRoot, passwdPath, protocols: ['udp'], families: ['ipv6'] });
    assert.deepEqual(
      udp6.sockets.map((s) => `${s.protocol} ${s.family} ${s.localAddress}:${s.localPort}`),
      ['udp ipv6 ::1:5353'],
    );
  });

  it('reads a truncated, garbled table with warnings and no crash', async () => {
    const inventory = await readSockets({ procRoot: `${fixtures}malformed`, passwdPath });
    assert.deepEqual(
      inventory.sockets.map((s) => s.localPort),
      [31337, 60264],
    );
    // As non-root, an ownerless socket of another uid (root here) may have an owner we cannot see.
    assert.ok(inventory.sockets.every((s) => s.ownerStatus.kind === (isRoot ? 'none' : 'unknown')));
    const lines = inventory.warnings.filter((w) => w.line !== undefined).map((w) => w.line);
    assert.deepEqual(lines, [3, 4, 6]);
    assert.equal(inventory.warnings.filter((w) => /not read: ENOENT/.test(w.message)).length, 3);
  });

  it('rejects with the abort reason when aborted', async () => {
    const reason = new Error('stop');
    await assert.rejects(readSockets({ procRoot, passwdPath, signal: AbortSignal.abort(reason) }), reason);
  });

  it('throws ERR_PROC_READ naming the directory when it is not a procfs', async () => {
    await assert.rejects(readSockets({ procRoot: `${fixtures}missing` }), (error) => {
      assert.ok(isEarshotError(error, 'ERR_PROC_READ'));
      assert.match(
        error.message,
        /Cannot read the procfs folder ".*missing": it does not exist; give --proc-root the folder/,
      );
      return true;
    });
    const empty = mkdtempSync(join(tmpdir(), 'earshot-proc-'));
    try {
      await assert.rejects(readSockets({ procRoot: empty }), (error) => {
        assert.ok(isEarshotError(error, 'ERR_PROC_READ'));
        assert.match(error.message, /No socket table could be read under ".*\/net"/);
        return true;
      });
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it('skips a process that vanished between the fd scan and reading its details', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'earshot-proc-'));
    try {
      cpSync(procRoot, copy, { recursive: true, verbatimSymlinks: true });
      const backdoor = readFileSync(`${copy}/ss-tuanp.txt`, 'utf8').match(/"backdoor",pid=(\d+)/)![1]!;
      rmSync(`${copy}/${backdoor}/stat`);
      writeFileSync(`${copy}/${backdoor}/cmdline`, '');
      const inventory = await readSockets({ procRoot: copy, passwdPath });
      const socket = inventory.sockets.find((s) => s.localPort === 31337)!;
      assert.deepEqual(socket.owners, []);
      assert.equal(socket.ownerStatus.kind, isRoot ? 'none' : 'unknown');
    } finally {
      rmSync(copy, { recursive: true });
    }
  });
});

describe('parseStat', () => {
  it('reads comm with spaces and parentheses, ppid and start time', () => {
    const stat = '4242 (a) b (c) S 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 98765 0 0';
    assert.deepEqual(parseStat(stat), { name: 'a) b (c', ppid: 1, startTicks: 98765 });
    assert.equal(parseStat('garbage'), null);
    assert.equal(parseStat('1 (x) S'), null);
  });
});

describe('parseCgroup', () => {
  it('finds the systemd unit in cgroup v2 and v1', () => {
    assert.deepEqual(parseCgroup('0::/system.slice/ssh.service\n'), { unit: 'ssh.service', container: null });
    assert.deepEqual(parseCgroup('12:pids:/\n1:name=systemd:/user.slice/user-1000.slice/session-2.scope\n'), {
      unit: 'session-2.scope',
      container: null,
    });
    assert.deepEqual(parseCgroup('0::/\n'), { unit: null, container: null });
  });

  it('finds docker, podman, containerd, kubernetes and LXC containers', () => {
    const id = DOCKER_ID;
    assert.equal(parseCgroup(`0::/system.slice/docker-${id}.scope\n`).container, id);
    assert.equal(parseCgroup(`4:memory:/docker/${id}\n`).container, id);
    assert.equal(parseCgroup(`0::/machine.slice/libpod-${id}.scope/container\n`).container, id);
    assert.equal(
      parseCgroup(`0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-${id}.scope\n`).container,
      id,
    );
    assert.equal(parseCgroup(`3:cpu:/kubepods/burstable/pod1234/${id}\n`).container, id);
    assert.equal(parseCgroup('0::/lxc.payload.web01/system.slice/nginx.service\n').container, 'web01');
    assert.equal(parseCgroup('0::/lxc.payload.web01/system.slice/nginx.service\n').unit, 'nginx.service');
    assert.equal(parseCgroup('garbage\n\n::\n').container, null);
  });
});
