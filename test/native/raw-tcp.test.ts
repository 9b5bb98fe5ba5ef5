// earshot's raw TCP socket (native/raw_tcp.c through src/scan/raw/raw-tcp.ts), each case in a
// process of its own inside a namespace of the test's own: a SYN-ACK and a RST with the header
// fields the OS guess reads, timers running while the socket waits, a burst answered in full,
// close releasing the event loop, a throwing listener surfacing as uncaught, and the reasons given
// when raw sockets are unavailable (no privilege, addon not built).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openRawTcp } from '../../src/scan/raw/raw-tcp.js';
import { meets } from '../helpers/needs.js';
import { type Netns, skipUnlessRoot, withNetns } from '../helpers/netns/netns.js';
import { makeTempDir } from '../helpers/tmp.js';

const driver = fileURLToPath(new URL('./raw-tcp-run.ts', import.meta.url));
const nodeArgs = ['--import', 'tsx', driver];

/** Runs the driver in `ns`, as root or under `asUser` (a setpriv prefix). */
function drive(ns: Netns, args: string[], asUser: string[] = []) {
  const command = [...asUser, process.execPath, ...nodeArgs, ...args];
  return ns.exec(command[0]!, command.slice(1), { timeoutMs: 60_000 });
}

function parseLine(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

describe('raw TCP socket (native addon)', { skip: skipUnlessRoot }, () => {
  it('hears the SYN-ACK of an open port and the RST of a closed one, then closes and lets the process end', async () => {
    await withNetns('rawans', async (ns) => {
      const result = await drive(ns, ['answers']);
      assert.equal(result.code, 0, `the driver ended by itself after close(): ${result.stderr}`);
      const seen = parseLine(result.stdout) as {
        ok: boolean;
        openPort: number;
        closedPort: number;
        synAck: {
          sourcePort: number;
          ttl: number;
          optionOrder: string;
          mss: number;
          timestamps: boolean;
        } | null;
        rst: { sourcePort: number; ttl: number; flags: { rst: boolean } } | null;
        ticksWhileSilent: number;
        afterClose: string;
      };
      assert.equal(seen.ok, true, result.stdout);
      assert.ok(seen.synAck, 'a SYN-ACK was heard');
      assert.equal(seen.synAck.sourcePort, seen.openPort);
      assert.equal(seen.synAck.ttl, 64);
      assert.equal(seen.synAck.optionOrder, 'M,S,T,N,W');
      assert.equal(seen.synAck.timestamps, true);
      assert.ok(seen.rst, 'a RST was heard');
      assert.equal(seen.rst.sourcePort, seen.closedPort);
      assert.ok(seen.ticksWhileSilent > 0, 'timers ran while the open socket had nothing to read');
      assert.match(seen.afterClose, /^ERR_RESOURCE: Raw send to 127\.0\.0\.1 failed: EBADF\.$/);
    });
  });

  it('answers every SYN of a burst sent back to back (2,000 closed ports)', async () => {
    await withNetns('rawburst', async (ns) => {
      const result = await drive(ns, ['burst', '2000']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(parseLine(result.stdout), { ok: true, sent: 2000, rstPorts: 2000 });
    });
  });

  it('a listener that throws reaches the process as an uncaught exception', async () => {
    await withNetns('rawthrow', async (ns) => {
      const result = await drive(ns, ['throws']);
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stderr, /Error: thrown by a reply listener/);
      assert.doesNotMatch(result.stderr, /Aborted|core dumped|FATAL ERROR/);
    });
  });

  it('without CAP_NET_RAW says EPERM and to run as root', async (t) => {
    if (!meets(t, { commands: ['setpriv'] })) return;
    await withNetns('rawperm', async (ns) => {
      const result = await drive(
        ns,
        ['open'],
        ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'],
      );
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(parseLine(result.stdout), {
        ok: false,
        reason: 'Operation not permitted (EPERM): run as root (CAP_NET_RAW)',
      });
    });
  });
});

describe('raw TCP socket without the addon', () => {
  it('says the addon is not built and how to build it', () => {
    const result = openRawTcp({ addonPath: '/nonexistent/earshot/raw_tcp.node' });
    assert.equal(result.ok, false);
    assert.match(
      result.ok ? '' : result.reason,
      /^native addon not built: run "npm rebuild" with a C compiler \(apt-get install build-essential\)$/,
    );
  });

  it('says a file that is not an addon does not load', async () => {
    const dir = await makeTempDir('raw-tcp');
    try {
      const notAnAddon = await dir.write('raw_tcp.node', 'not an ELF file');
      const result = openRawTcp({ addonPath: notAnAddon });
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.reason, /^native addon does not load \(.*\); run "npm rebuild"$/);
    } finally {
      await dir.remove();
    }
  });
});
