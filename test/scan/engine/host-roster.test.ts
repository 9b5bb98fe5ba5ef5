import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { EngineHostResult } from '../../../src/scan/engine/host-roster.js';
import type { EngineHost } from '../../../src/scan/engine/host-state.js';
import { Outcome } from '../../../src/scan/engine/outcome.js';
import { resolveTiming } from '../../../src/scan/engine/timing.js';
import { runTcpProbes } from '../../../src/scan/tcp/tcp-connect.js';
import { runUdpProbes } from '../../../src/scan/udp/udp-engine.js';

// Threads share a host through its cursor: a thread that finds every port of a host already claimed
// by the others must still report it, or the group never completes. These drive one engine thread
// with hosts "another thread" claimed (cursor past the end), the case that hung multi-group scans.
const CLAIMED = 1 << 20;

/** `count` hosts at 127.0.0.1; those `claimedByOthers(i)` picks have their ports claimed already. */
function sharedHosts(
  count: number,
  ports: readonly number[],
  claimedByOthers: (index: number) => boolean,
): EngineHost[] {
  return Array.from({ length: count }, (_, index) => {
    const cursor = new Int32Array(new SharedArrayBuffer(4));
    if (claimedByOthers(index)) cursor[0] = CLAIMED;
    return {
      address: '127.0.0.1',
      family: 'ipv4',
      ports,
      shared: { cursor, outcomes: new Uint8Array(new SharedArrayBuffer(ports.length)) },
    };
  });
}

const engines = [
  { name: 'TCP', run: runTcpProbes },
  { name: 'UDP', run: runUdpProbes },
];

describe('an engine thread sharing hosts with other threads', () => {
  let server: Server;
  let openPort = 0;
  before(async () => {
    server = createServer((socket) => socket.destroy());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    openPort = (server.address() as { port: number }).port;
  });
  after(() => server.close());

  const timing = resolveTiming(4);
  // The deadline only catches a hang: each run takes milliseconds.
  for (const { name, run } of engines) {
    it(`${name}: reports every host whose ports other threads claimed`, { timeout: 30_000 }, async () => {
      const hosts = sharedHosts(257, [openPort], () => true);
      const reported: EngineHostResult[] = [];
      await run(hosts[Symbol.iterator](), timing, {
        maxActiveHosts: hosts.length,
        onHostDone: (result) => reported.push(result),
      });
      assert.deepEqual(
        reported.map((result) => result.index).sort((a, b) => a - b),
        hosts.map((_, index) => index),
      );
      for (const host of hosts) assert.equal(host.shared!.outcomes[0], Outcome.pending, 'nothing probed');
    });

    it(`${name}: probes its own hosts among claimed ones and reports all`, { timeout: 30_000 }, async () => {
      const hosts = sharedHosts(200, [openPort], (index) => index % 3 !== 0);
      const reported = new Set<number>();
      await run(hosts[Symbol.iterator](), timing, {
        maxActiveHosts: hosts.length,
        onHostDone: (result) => reported.add(result.index),
      });
      assert.equal(reported.size, hosts.length);
      for (const [index, host] of hosts.entries()) {
        const outcome = host.shared!.outcomes[0];
        if (index % 3 !== 0) assert.equal(outcome, Outcome.pending, `host ${index} belonged to others`);
        // UDP: our TCP listener's port is closed to datagrams.
        else assert.equal(outcome, name === 'TCP' ? Outcome.open : Outcome.closed, `host ${index}`);
      }
    });
  }
});
