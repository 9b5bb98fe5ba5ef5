import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createServiceCatalog } from '../../../src/catalog/services.js';
import type { HostResult } from '../../../src/model.js';
import { Outcome } from '../../../src/scan/engine/outcome.js';
import { buildPortResults } from '../../../src/scan/engine/port-results.js';
import { scanHosts } from '../../../src/scan/engine/scan-hosts.js';
import { skipUnlessRoot } from '../../helpers/netns.js';

const catalog = createServiceCatalog([]);

describe('buildPortResults', () => {
  it('lists open ports, folds the most common other state, and keeps its reasons', () => {
    const ports = [21, 22, 23, 24, 25];
    const outcomes = Uint8Array.from([
      Outcome.closed,
      Outcome.open,
      Outcome.closed,
      Outcome.noResponse,
      Outcome.pending,
    ]);
    const built = buildPortResults(ports, outcomes, catalog, false);
    assert.deepEqual(
      built.ports.map((p) => [p.port, p.state, p.reason]),
      [
        [22, 'open', 'syn-ack'],
        [24, 'filtered', 'no-response'],
      ],
    );
    assert.deepEqual(built.extraPorts, [{ state: 'closed', count: 2, reasons: { 'conn-refused': 2 } }]);
    const all = buildPortResults(ports, outcomes, catalog, true);
    assert.equal(all.ports.length, 4, 'every concluded port with --all-ports');
    assert.deepEqual(all.extraPorts, []);
  });
  it('never folds open ports, even when they are the majority', () => {
    const built = buildPortResults([1, 2, 3], Uint8Array.from([1, 1, 2]), catalog, false);
    assert.deepEqual(
      built.ports.map((p) => p.port),
      [1, 2],
    );
    assert.equal(built.extraPorts[0]?.state, 'closed');
  });
});

// These run in the test suite's own namespace (scripts/run-tests.sh): only ports we bound are asserted.
describe('scanHosts on loopback', { skip: skipUnlessRoot }, () => {
  const servers: Server[] = [];
  let v4Port = 0;
  let v6Port = 0;
  let freed = 0;
  const listen = async (host: string, ipv6Only = false) => {
    const server = createServer((socket) => socket.destroy());
    server.listen({ host, port: 0, ipv6Only });
    await once(server, 'listening');
    servers.push(server);
    return (server.address() as { port: number }).port;
  };
  before(async () => {
    v4Port = await listen('127.0.0.1');
    v6Port = await listen('::1', true);
    // A port that was just free: bound, then closed.
    const temporary = createServer();
    temporary.listen(0, '127.0.0.1');
    await once(temporary, 'listening');
    freed = (temporary.address() as { port: number }).port;
    await new Promise((resolve) => temporary.close(resolve));
  });
  after(() => {
    for (const server of servers) server.close();
  });
  const target = (address: string) => ({
    address,
    family: address.includes(':') ? ('ipv6' as const) : ('ipv4' as const),
    hostnames: [],
  });
  const collect = async (iterable: AsyncIterable<HostResult>) => {
    const hosts: HostResult[] = [];
    for await (const host of iterable) hosts.push(host);
    return hosts;
  };

  it('finds our listeners open and a freed port closed, v4 and v6-only', async () => {
    const ports = [v4Port, v6Port, freed].sort((a, b) => a - b);
    const hosts = await collect(
      scanHosts([target('127.0.0.1'), target('::1')], { ports, catalog, listAllPorts: true }),
    );
    const state = (address: string, port: number) =>
      hosts.find((h) => h.address === address)?.ports.find((p) => p.port === port)?.state;
    assert.equal(state('127.0.0.1', v4Port), 'open');
    assert.equal(state('127.0.0.1', freed), 'closed');
    assert.equal(state('::1', v6Port), 'open');
    assert.equal(state('::1', v4Port), v4Port === v6Port ? 'open' : 'closed');
    for (const host of hosts) assert.equal(host.statusReason, 'localhost-response');
  });

  it('stops on abort with the signal reason and closes every socket', async () => {
    const fdsBefore = readdirSync('/proc/self/fd').length;
    const controller = new AbortController();
    const reason = new Error('stop now');
    const ports = Array.from({ length: 65535 }, (_, i) => i + 1);
    setTimeout(() => controller.abort(reason), 30);
    const started = Date.now();
    await assert.rejects(
      collect(scanHosts([target('127.0.0.1')], { ports, catalog, signal: controller.signal, threads: 1 })),
      (error) => error === reason,
    );
    assert.ok(Date.now() - started < 2000, 'abort is prompt');
    // Closing handles is asynchronous in libuv: give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(readdirSync('/proc/self/fd').length <= fdsBefore + 2, 'no sockets left open');
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('early'));
    await assert.rejects(
      collect(scanHosts([target('127.0.0.1')], { ports: [1], catalog, signal: controller.signal })),
      /early/,
    );
  });

  it('reports progress up to the total', async () => {
    const seen: { done: number; total: number }[] = [];
    const ports = Array.from({ length: 2000 }, (_, i) => i + 1);
    await collect(
      scanHosts([target('127.0.0.1')], { ports, catalog, targetCount: 1, onProgress: (p) => seen.push(p) }),
    );
    assert.ok(seen.length > 0);
    assert.deepEqual(seen.at(-1), { done: 2000, total: 2000 });
  });
});
