import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { createServiceCatalog } from '../../../src/catalog/services.js';
import type { HostResult } from '../../../src/model.js';
import { scanUdpHosts } from '../../../src/scan/engine/scan-hosts.js';
import { prewarmScanThreads } from '../../../src/scan/threads/worker-pool.js';
import { UDP_PAYLOADS, udpPayloadFor } from '../../../src/scan/udp/udp-payloads.js';
import { skipUnlessRoot } from '../../helpers/netns/netns.js';

const catalog = createServiceCatalog([]);
const target = { address: '127.0.0.1', family: 'ipv4' as const, hostnames: [] };

async function bound(echo: boolean): Promise<Socket> {
  const socket = createSocket('udp4');
  if (echo) socket.on('message', (message, peer) => socket.send(message, peer.port, peer.address));
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return socket;
}

describe('UDP payloads', () => {
  it('encode the protocols they claim', () => {
    const dns = udpPayloadFor(53, 0);
    assert.equal(dns.readUInt16BE(4), 1, 'one question');
    assert.deepEqual([...dns.subarray(12)], [0, 0, 2, 0, 1], 'root, NS, IN');
    const rpc = udpPayloadFor(111, 0);
    assert.equal(rpc.length, 40);
    assert.equal(rpc.readUInt32BE(12), 100000, 'the portmapper program');
    assert.equal(udpPayloadFor(111, 1).readUInt32BE(20), 3, 'GETPORT on the second try');
    const snmp = udpPayloadFor(161, 0);
    assert.equal(snmp[0], 0x30);
    assert.equal(snmp[1], snmp.length - 2, 'the outer BER length covers the message');
    assert.ok(snmp.includes(Buffer.from('public')));
    assert.equal(udpPayloadFor(123, 0).length, 48);
    assert.equal(udpPayloadFor(40000, 0).length, 0, 'other ports get an empty datagram');
    for (const [port, list] of UDP_PAYLOADS) assert.ok(list.length > 0 && list[0]!.length > 0, String(port));
  });
});

describe('scanUdpHosts', () => {
  it('finds an echo port open, a bound silent port open|filtered, the rest closed', async () => {
    const echo = await bound(true);
    const silent = await bound(false);
    try {
      const echoPort = echo.address().port;
      const silentPort = silent.address().port;
      const ports = [echoPort, silentPort, 1, 2, 3];
      const hosts: HostResult[] = [];
      for await (const host of scanUdpHosts([target], {
        ports,
        catalog,
        timing: { maxRetries: 1, initialRttMs: 100 },
      })) {
        hosts.push(host);
      }
      assert.equal(hosts.length, 1);
      assert.deepEqual(
        hosts[0]!.ports.map((p) => [p.port, p.protocol, p.state, p.reason]),
        [
          [echoPort, 'udp', 'open', 'udp-response'],
          [silentPort, 'udp', 'open|filtered', 'no-response'],
        ].sort((a, b) => (a[0] as number) - (b[0] as number)),
      );
      assert.deepEqual(hosts[0]!.extraPorts, [
        { state: 'closed', count: 3, reasons: { 'port-unreach': 3 }, protocol: 'udp' },
      ]);
    } finally {
      echo.close();
      silent.close();
    }
  });

  it('rejects with the abort reason and closes its sockets', async () => {
    const silent = await bound(false);
    try {
      const controller = new AbortController();
      const reason = new Error('stop');
      setTimeout(() => controller.abort(reason), 50);
      const started = Date.now();
      await assert.rejects(async () => {
        for await (const _ of scanUdpHosts([target], {
          ports: [silent.address().port],
          catalog,
          timing: { maxRetries: 10, initialRttMs: 5000, minRttMs: 5000 },
          signal: controller.signal,
        })) {
          // nothing: the scan is aborted before the host completes
        }
      }, reason);
      assert.ok(Date.now() - started < 2000, 'stopped promptly');
    } finally {
      silent.close();
    }
  });
});

// Run inside the suite's namespace (scripts/run-tests.sh). A reply from a wildcard socket would come
// from 127.0.0.1, not the 127.1.0.x probed, and a connected socket drops it: each host's port is one
// we just freed, and its port-unreachable (loopback is never rate-limited) says closed.
describe('scanUdpHosts over many host groups', { skip: skipUnlessRoot }, () => {
  it('crosses many groups on two threads and reports every host once, exactly', async () => {
    await prewarmScanThreads(1);
    const freed = await bound(false);
    const freedPort = freed.address().port;
    freed.close();
    const targets = Array.from({ length: 256 }, (_, i) => ({
      address: `127.1.0.${i}`,
      family: 'ipv4' as const,
      hostnames: [],
    }));
    const hosts: HostResult[] = [];
    for await (const host of scanUdpHosts(targets, {
      ports: [freedPort],
      catalog,
      threads: 2,
      groupSize: 16,
      skipDiscovery: true,
    })) {
      hosts.push(host);
    }
    assert.equal(hosts.length, 256);
    assert.equal(new Set(hosts.map((host) => host.address)).size, 256, 'no host twice');
    for (const host of hosts) {
      assert.deepEqual(
        host.extraPorts,
        [{ state: 'closed', count: 1, reasons: { 'port-unreach': 1 }, protocol: 'udp' }],
        host.address,
      );
    }
  });
});
