// Service detection against small hostile peers on loopback: floods, trickles, garbage, silence and
// terminal escapes must all end within the budget and come out as inert data.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { isEarshotError } from '../../../src/errors.js';
import type { HostResult } from '../../../src/model.js';
import { renderHostText } from '../../../src/report/scan/scan-text.js';
import { orderProbes } from '../../../src/scan/service/port-detector.js';
import { readReply } from '../../../src/scan/service/probe-io.js';
import { SERVICE_PROBES } from '../../../src/scan/service/probes/index.js';
import { detectServices } from '../../../src/scan/service/service-detect.js';
import { runEarshot } from '../../helpers/cli.js';

/** A loopback server on port 0 that runs `onConnection` per client; closed with everything it holds. */
async function peer(
  onConnection: (socket: Socket) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    async close() {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

const fast = { portTimeoutMs: 2500, probeTimeoutMs: 800, bannerWaitMs: 400 };

function hostWith(port: number, service: HostResult['ports'][number]['service']): HostResult {
  return {
    address: '127.0.0.1',
    family: 'ipv4',
    hostnames: [],
    status: 'up',
    statusReason: 'localhost-response',
    ports: [{ protocol: 'tcp', port, state: 'open', reason: 'syn-ack', service }],
    extraPorts: [],
    startedAt: '',
    endedAt: '',
  };
}

describe('detectServices with hostile peers', () => {
  it('caps a 10 MB banner at 16 KiB and stays within the port budget', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 0x41);
    const server = await peer((socket) => socket.write(big));
    try {
      const client = connect(server.port, '127.0.0.1');
      await once(client, 'connect');
      const reply = await readReply(client, { timeoutMs: 2000, quietMs: 250, maxBytes: 16_384 });
      client.destroy();
      assert.equal(reply.length, 16_384);
      const started = Date.now();
      const found = await detectServices({ address: '127.0.0.1' }, [server.port], fast);
      assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
      assert.equal(found.services.size, 0);
    } finally {
      await server.close();
    }
  });

  it('gives up on a peer that trickles a byte a second', async () => {
    const banner = Buffer.from('SSH-2.0-OpenSSH_9.9 slowly\r\n');
    const intervals: NodeJS.Timeout[] = [];
    const server = await peer((socket) => {
      let at = 0;
      const timer = setInterval(() => {
        if (at < banner.length && !socket.destroyed) socket.write(banner.subarray(at, ++at));
      }, 1000);
      intervals.push(timer);
      socket.on('close', () => clearInterval(timer));
    });
    try {
      const started = Date.now();
      const found = await detectServices({ address: '127.0.0.1' }, [server.port], fast);
      const took = Date.now() - started;
      assert.ok(took < 4000, `took ${took} ms`);
      assert.equal(found.services.size, 0);
    } finally {
      for (const timer of intervals) clearInterval(timer);
      await server.close();
    }
  });

  it('treats binary garbage as unknown, without throwing', async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff));
    const server = await peer((socket) => {
      socket.write(garbage);
      socket.on('data', () => socket.write(garbage));
    });
    try {
      const found = await detectServices({ address: '127.0.0.1' }, [server.port], fast);
      assert.equal(found.services.size, 0);
    } finally {
      await server.close();
    }
  });

  it('ends on a silent peer after the per-port budget', async () => {
    const server = await peer(() => {});
    try {
      const started = Date.now();
      const found = await detectServices({ address: '127.0.0.1' }, [server.port], fast);
      const took = Date.now() - started;
      assert.ok(took >= 2000 && took < 3500, `took ${took} ms for a 2.5 s budget`);
      assert.equal(found.services.size, 0);
    } finally {
      await server.close();
    }
  });

  it('stops at once when the signal aborts, rethrowing its reason', async () => {
    const server = await peer(() => {});
    try {
      const controller = new AbortController();
      const reason = new Error('stop now');
      setTimeout(() => controller.abort(reason), 200);
      const started = Date.now();
      await assert.rejects(
        detectServices({ address: '127.0.0.1' }, [server.port], { ...fast, signal: controller.signal }),
        (error) => error === reason,
      );
      assert.ok(Date.now() - started < 1000);
    } finally {
      await server.close();
    }
  });

  it('keeps terminal escapes in a banner as data and prints them escaped', async () => {
    const server = await peer((socket) =>
      socket.write('SSH-2.0-Evil_1.0\x1b]0;pwned\x07 \x1b[2J\x9b31m\r\n'),
    );
    try {
      const found = await detectServices({ address: '127.0.0.1' }, [server.port], fast);
      const service = found.services.get(server.port);
      assert.ok(service);
      assert.equal(service.name, 'ssh');
      assert.equal(service.product, 'Evil');
      assert.equal(service.version, '1.0\x1b]0;pwned\x07');
      const text = renderHostText(hostWith(server.port, service), { showVersion: true });
      assert.doesNotMatch(text, /[\x1b\x07\x9b]/);
      assert.match(text, /\\x1b\]0;pwned\\x07/);

      const cli = await runEarshot(['scan', '-sV', '-p', String(server.port), '127.0.0.1']);
      assert.equal(cli.code, 0, cli.stderr);
      assert.doesNotMatch(cli.stdout, /[\x1b\x07]/);
      assert.match(cli.stdout, /ssh +Evil 1\.0\\x1b\]0;pwned\\x07 \(\\x1b\[2J/);
    } finally {
      await server.close();
    }
  });

  it('identifies many ports at once with bounded concurrency', async () => {
    const servers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => peer((socket) => socket.write(`SSH-2.0-OpenSSH_9.${i}\r\n`))),
    );
    try {
      const found = await detectServices(
        { address: '127.0.0.1' },
        servers.map((s) => s.port),
        { ...fast, concurrency: 4 },
      );
      for (const [i, server] of servers.entries()) {
        assert.equal(found.services.get(server.port)?.version, `9.${i}`);
      }
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });

  it('rejects an intensity outside 0..9 with ERR_OPTION', async () => {
    await assert.rejects(
      detectServices({ address: '127.0.0.1' }, [1], { intensity: 12 }),
      (error) => isEarshotError(error, 'ERR_OPTION') && /intensity "12"/.test(error.message),
    );
    const help = await runEarshot(['scan', '--help']);
    for (const option of ['--sV', '--version-intensity', '--version-timeout'])
      assert.ok(help.stdout.includes(option));
    const cli = await runEarshot(['scan', '-sV', '--version-intensity', 'x', '127.0.0.1']);
    assert.equal(cli.code, 64);
    assert.match(cli.stderr, /--version-intensity "x"/);
  });

  it('tries the probes for the port number first', () => {
    assert.equal(orderProbes(SERVICE_PROBES, 6379, 7)[0]!.id, 'redis');
    assert.deepEqual(
      orderProbes(SERVICE_PROBES, 11211, 0).map((p) => p.id),
      ['memcached'],
    );
    assert.equal(orderProbes(SERVICE_PROBES, 40000, 7).length, SERVICE_PROBES.length);
  });
});
