// The bind witness against real sockets in namespaces of the test's own. The probe runs in the
// namespace under test through a small script (test/helpers/bind-probe-run.ts), since the test
// process itself lives in another one. `ss` in the namespace is the oracle.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isEarshotError } from '../../src/errors.js';
import {
  type BindProbeOptions,
  type BindProbeResult,
  probeBoundPorts,
} from '../../src/inventory/bind-probe.js';
import { type Netns, skipUnlessRoot, waitForLine, withNetns } from '../helpers/netns/netns.js';

const runner = fileURLToPath(new URL('../helpers/bind-probe-run.ts', import.meta.url));
const leftovers = fileURLToPath(new URL('../helpers/netns/tcp-leftovers.ts', import.meta.url));
const missingAddon = '/nonexistent/earshot/bind_probe.node';

async function probeIn(ns: Netns, options: BindProbeOptions, asUser?: number): Promise<BindProbeResult> {
  const command = [process.execPath, '--import', 'tsx', runner, JSON.stringify(options)];
  const result = asUser
    ? await ns.exec('setpriv', [`--reuid=${asUser}`, `--regid=${asUser}`, '--clear-groups', ...command])
    : await ns.exec(command[0]!, command.slice(1));
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as BindProbeResult;
}

/** Distinct random ports below the ephemeral range, so no client socket can take one of them. */
function randomPorts(count: number): number[] {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(randomInt(20_000, 30_000));
  return [...ports];
}

/** Listening/bound ports per (protocol, probe family) as `ss` reports them: `*` is dual-stack. */
async function ssExpectation(ns: Netns): Promise<Record<string, number[]>> {
  const expected: Record<string, Set<number>> = {
    'tcp/ipv4': new Set(),
    'tcp/ipv6': new Set(),
    'udp/ipv4': new Set(),
    'udp/ipv6': new Set(),
  };
  for (const line of (await ns.execOk('ss', ['-Htuln'])).split('\n')) {
    const [netid, , , , local] = line.trim().split(/\s+/);
    if (!netid || !local) continue;
    const cut = local.lastIndexOf(':');
    const host = local.slice(0, cut);
    const port = Number(local.slice(cut + 1));
    if (host === '*' || !host.startsWith('[')) expected[`${netid}/ipv4`]!.add(port);
    if (host === '*' || host.startsWith('[')) expected[`${netid}/ipv6`]!.add(port);
  }
  return Object.fromEntries(
    Object.entries(expected).map(([key, ports]) => [key, [...ports].sort((a, b) => a - b)]),
  );
}

const sorted = (ports: number[]) => [...ports].sort((a, b) => a - b);

describe('probeBoundPorts in namespaces', { skip: skipUnlessRoot }, () => {
  it('finds exactly the bound ports of 1..65535, per protocol and family, and none of another namespace', async (t) => {
    const [v4, v6only, v6wild, dual, udp4, udp6, elsewhere] = randomPorts(7) as [number, ...number[]];
    await withNetns('bind-a', (nsA) =>
      withNetns('bind-b', async (nsB) => {
        await nsA.listen([
          `tcp:127.0.0.1:${v4}`,
          `tcp6only:[::1]:${v6only}`,
          `tcp6only:[::]:${v6wild}`,
          `tcp:[::]:${dual}`,
          `udp:127.0.0.1:${udp4}`,
          `udp:[::]:${udp6}`,
        ]);
        await nsB.listen([`tcp:0.0.0.0:${elsewhere}`, `udp:0.0.0.0:${elsewhere}`]);
        const expected: Record<string, number[]> = {
          // ip(7)/ipv6(7): the IPv4 wildcard conflicts with IPv4 sockets and dual-stack "::" ones.
          'tcp/ipv4': sorted([v4, dual!]),
          // The v6-only wildcard conflicts with every IPv6 socket, dual-stack included.
          'tcp/ipv6': sorted([v6only!, v6wild!, dual!]),
          'udp/ipv4': [udp4!],
          'udp/ipv6': [udp6!],
        };
        assert.deepEqual(await ssExpectation(nsA), expected, 'ss agrees with the listeners we made');
        for (const key of Object.keys(expected)) {
          const [protocol, family] = key.split('/') as ['tcp' | 'udp', 'ipv4' | 'ipv6'];
          const result = await probeIn(nsA, { protocol, family });
          t.diagnostic(`${key}: 65535 ports in ${result.elapsedMs} ms (native, in a child process)`);
          assert.equal(result.available, true);
          assert.equal(result.method, 'native');
          assert.equal(result.probedCount, 65535);
          assert.deepEqual(result.inUse, expected[key], key);
          assert.deepEqual(result.unknown, [], key);
          assert.ok(result.elapsedMs < 15_000, `${key} took ${result.elapsedMs} ms`);
        }
        // The other namespace's port is in use there, and only there.
        for (const protocol of ['tcp', 'udp'] as const) {
          const there = await probeIn(nsB, { protocol, family: 'ipv4', ports: [elsewhere!, v4] });
          assert.deepEqual(there.inUse, [elsewhere], protocol);
        }
        // Nothing was left behind by the probe: the socket tables are what they were.
        assert.deepEqual(await ssExpectation(nsA), expected);
      }),
    );
  });

  it('TIME_WAIT: a server port’s is not "in use" (SO_REUSEADDR), a client port’s is', async () => {
    await withNetns('bind-tw', async (ns) => {
      const made = await ns.exec(process.execPath, ['--import', 'tsx', leftovers, 'time-wait']);
      assert.equal(made.code, 0, made.stderr);
      const { serverPort, clientPort } = JSON.parse(made.stdout) as {
        serverPort: number;
        clientPort: number;
      };
      const timeWait = await ns.execOk('ss', ['-Htan', 'state', 'time-wait']);
      assert.match(timeWait, new RegExp(`127\\.0\\.0\\.1:${serverPort}\\s`), 'server-side TIME_WAIT exists');
      assert.match(timeWait, new RegExp(`127\\.0\\.0\\.1:${clientPort}\\s`), 'client-side TIME_WAIT exists');
      const ports = [serverPort, clientPort];
      const withReuse = await probeIn(ns, { protocol: 'tcp', family: 'ipv4', ports });
      assert.deepEqual(withReuse.inUse, [clientPort]);
      const withoutReuse = await probeIn(ns, { protocol: 'tcp', family: 'ipv4', ports, reuseAddress: false });
      assert.deepEqual(withoutReuse.inUse, sorted(ports));
    });
  });

  it('ESTABLISHED: the server side of a connection whose listener closed is not "in use", the client side is', async () => {
    await withNetns('bind-est', async (ns) => {
      const child = ns.spawn(process.execPath, ['--import', 'tsx', leftovers, 'established']);
      const line = await waitForLine(child, /^\{.*\}\n/m, 20_000);
      const { serverPort, clientPort } = JSON.parse(line) as { serverPort: number; clientPort: number };
      const established = await ns.execOk('ss', ['-Htan', 'state', 'established']);
      assert.match(established, new RegExp(`127\\.0\\.0\\.1:${serverPort}\\s+127\\.0\\.0\\.1:${clientPort}`));
      const ports = [serverPort, clientPort];
      assert.deepEqual((await probeIn(ns, { protocol: 'tcp', family: 'ipv4', ports })).inUse, [clientPort]);
      const withoutReuse = await probeIn(ns, { protocol: 'tcp', family: 'ipv4', ports, reuseAddress: false });
      assert.deepEqual(withoutReuse.inUse, sorted(ports));
    });
  });

  it('a TCP socket bound but never listening: in use without SO_REUSEADDR, yet in no /proc/net/tcp', async () => {
    const [plain, reusing] = randomPorts(2) as [number, number];
    await withNetns('bind-only', async (ns) => {
      // Node cannot bind TCP without listening; Python's socket module can.
      const holder = ns.spawn('python3', [
        '-c',
        `import socket, time
a = socket.socket(); a.bind(('0.0.0.0', ${plain}))
b = socket.socket(); b.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); b.bind(('0.0.0.0', ${reusing}))
print('ready', flush=True)
time.sleep(60)`,
      ]);
      await waitForLine(holder, /^ready$/m, 10_000);
      const table = await ns.execOk('cat', ['/proc/net/tcp']);
      assert.equal(table.trim().split('\n').length, 1, 'only the header line');
      const result = await probeIn(ns, { protocol: 'tcp', family: 'ipv4', ports: [plain, reusing] });
      assert.deepEqual(result.inUse, [plain]);
    });
  });

  it('as a non-root user, ports below 1024 are unknown (EACCES), not free', async () => {
    const [port] = randomPorts(1) as [number];
    await withNetns('bind-user', async (ns) => {
      await ns.listen([`tcp:127.0.0.1:${port}`]);
      const result = await probeIn(
        ns,
        { protocol: 'tcp', family: 'ipv4', ports: [22, 834, 1023, 1024, port] },
        65534,
      );
      assert.equal(result.available, true);
      assert.deepEqual(result.inUse, [port]);
      assert.deepEqual(result.unknown, [
        { port: 22, errno: 'EACCES' },
        { port: 834, errno: 'EACCES' },
        { port: 1023, errno: 'EACCES' },
      ]);
    });
  });

  it('without the addon: TCP says why it is unavailable, UDP falls back to dgram with the same answer', async () => {
    const [udp4, udp6, tcp] = randomPorts(3) as [number, number, number];
    await withNetns('bind-fallback', async (ns) => {
      await ns.listen([`udp:127.0.0.1:${udp4}`, `udp:[::1]:${udp6}`, `tcp:127.0.0.1:${tcp}`]);
      const tcpResult = await probeIn(ns, { protocol: 'tcp', family: 'ipv4', addonPath: missingAddon });
      assert.equal(tcpResult.available, false);
      assert.equal(tcpResult.method, 'none');
      assert.match(
        tcpResult.unavailableReason ?? '',
        /^native addon not built: run "npm rebuild" with a C compiler/,
      );
      assert.deepEqual(tcpResult.inUse, []);
      for (const [family, port] of [
        ['ipv4', udp4],
        ['ipv6', udp6],
      ] as const) {
        const fallback = await probeIn(ns, { protocol: 'udp', family, addonPath: missingAddon });
        assert.equal(fallback.method, 'dgram');
        assert.equal(fallback.available, true);
        assert.deepEqual(fallback.inUse, [port], family);
        assert.deepEqual(fallback.unknown, []);
      }
    });
  });
});

describe('probeBoundPorts input and cancellation', () => {
  it('rejects ports outside 1..65535', async () => {
    for (const port of [0, 65536, 1.5, Number.NaN]) {
      await assert.rejects(probeBoundPorts({ protocol: 'tcp', family: 'ipv4', ports: [port] }), (error) => {
        assert.ok(isEarshotError(error, 'ERR_PORT_SPEC'));
        assert.match(error.message, /ports run from 1 to 65535/);
        return true;
      });
    }
  });

  it('rethrows the abort reason, before and during a probe', async () => {
    const reason = new Error('stop');
    await assert.rejects(
      probeBoundPorts({ protocol: 'tcp', family: 'ipv4', signal: AbortSignal.abort(reason) }),
      (error) => error === reason,
    );
    const controller = new AbortController();
    const probing = probeBoundPorts({ protocol: 'udp', family: 'ipv4', signal: controller.signal });
    queueMicrotask(() => controller.abort(reason));
    await assert.rejects(probing, (error) => error === reason);
  });

  it('answers an empty port list with an empty result', async () => {
    const result = await probeBoundPorts({ protocol: 'udp', family: 'ipv6', ports: [] });
    assert.deepEqual([result.available, result.inUse, result.unknown, result.probedCount], [true, [], [], 0]);
  });
});
