// The portmapper client against peers of our own on 127.0.0.1 (port 0): well-behaved old servers and
// hostile or non-RPC ones. Each must end in an answer or a clear ERR_RPC, within bounded time.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { createRpcProgramCatalog } from '../../../src/catalog/rpc-programs.js';
import { errnoCode, isEarshotError } from '../../../src/errors.js';
import { frameRecord, RecordReader } from '../../../src/scan/rpc/onc-rpc.js';
import { dumpPortmapper, queryPortmapper } from '../../../src/scan/rpc/portmapper.js';
import { XdrReader, XdrWriter } from '../../../src/scan/rpc/xdr.js';
import { runEarshot, spawnEarshot } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/tmp.js';

const programs = createRpcProgramCatalog([
  { name: 'portmapper', program: 100000, aliases: [] },
  { name: 'ypbind', program: 100007, aliases: [] },
]);

interface Call {
  xid: number;
  version: number;
}

/** Runs a TCP peer whose `respond` gets each connection and, once one arrived, the call it carried. */
async function withPeer<T>(
  respond: (socket: Socket, call: Call | null) => void,
  fn: (port: number) => Promise<T>,
): Promise<T> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    respond(socket, null);
    const records = new RecordReader(1 << 16);
    socket.on('data', (chunk: Buffer) => {
      const record = records.push(chunk);
      if (!record) return;
      const reader = new XdrReader(record);
      const xid = reader.uint32();
      reader.uint32();
      reader.uint32();
      reader.uint32();
      respond(socket, { xid, version: reader.uint32() });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    return await fn((server.address() as AddressInfo).port);
  } finally {
    for (const socket of sockets) socket.destroy();
    server.close();
  }
}

const acceptedHeader = (xid: number, acceptStat: number) =>
  new XdrWriter().uint32(xid).uint32(1).uint32(0).uint32(0).uint32(0).uint32(acceptStat);

/** A portmap v2 server of old: rejects rpcbind v3/v4 with PROG_MISMATCH(2, 2), answers DUMP v2. */
function oldPortmap(socket: Socket, call: Call | null): void {
  if (!call) return;
  if (call.version !== 2) {
    socket.write(frameRecord(acceptedHeader(call.xid, 2).uint32(2).uint32(2).toBuffer()));
    return;
  }
  const reply = acceptedHeader(call.xid, 0);
  for (const [program, version, protocol, port] of [
    [100000, 2, 6, 111],
    [100007, 2, 17, 834],
    [100007, 2, 17, 834],
    [100007, 2, 6, 835],
  ]) {
    reply.uint32(1).uint32(program!).uint32(version!).uint32(protocol!).uint32(port!);
  }
  socket.write(frameRecord(reply.uint32(0).toBuffer()));
}

async function expectRpcError(promise: Promise<unknown>, pattern: RegExp, maxMs: number): Promise<void> {
  const startedAt = performance.now();
  await assert.rejects(promise, (error) => {
    assert.ok(isEarshotError(error, 'ERR_RPC'), String(error));
    assert.match(error.message, pattern);
    return true;
  });
  const elapsedMs = performance.now() - startedAt;
  assert.ok(elapsedMs < maxMs, `took ${Math.round(elapsedMs)} ms, more than ${maxMs}`);
}

describe('queryPortmapper', () => {
  it('falls back from v4 and v3 to portmap v2, dedupes and names the programs', async () => {
    await withPeer(oldPortmap, async (port) => {
      const dump = await dumpPortmapper({ address: '127.0.0.1', port, rpcPrograms: programs });
      assert.equal(dump.version, 2);
      assert.deepEqual(
        dump.registrations.map((entry) => [entry.name, entry.protocol, entry.port]),
        [
          ['portmapper', 'tcp', 111],
          ['ypbind', 'udp', 834],
          ['ypbind', 'tcp', 835],
        ],
      );
    });
  });

  it('says which versions were rejected when none is left to try', async () => {
    await withPeer(oldPortmap, async (port) => {
      const query = queryPortmapper({ address: '127.0.0.1', port, rpcPrograms: programs, versions: [4, 3] });
      await expectRpcError(query, /rejected every version asked: v4 \(it serves v2\.\.v2\), v3/, 2000);
    });
  });

  it('names a server that is RPC but not a portmapper', async () => {
    await withPeer(
      (socket, call) => call && socket.write(frameRecord(acceptedHeader(call.xid, 1).toBuffer())),
      (port) =>
        expectRpcError(
          queryPortmapper({ address: '127.0.0.1', port, rpcPrograms: programs }),
          /not a portmapper/,
          2000,
        ),
    );
  });

  it('gives ERR_RPC for a peer that sends garbage', async () => {
    await withPeer(
      (socket, call) => !call && socket.end('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'),
      (port) =>
        expectRpcError(
          queryPortmapper({ address: '127.0.0.1', port, rpcPrograms: programs }),
          /127\.0\.0\.1:\d+ failed: .*(cap|closed)/,
          2000,
        ),
    );
  });

  it('refuses a record length of 2 GiB without waiting for it', async () => {
    await withPeer(
      (socket, call) => !call && socket.write(Buffer.from([0xff, 0xff, 0xff, 0xf0])),
      (port) =>
        expectRpcError(
          queryPortmapper({ address: '127.0.0.1', port, rpcPrograms: programs, timeoutMs: 10_000 }),
          /above the cap of 4194304/,
          2000,
        ),
    );
  });

  it('gives up on a peer that never answers, at the deadline', async () => {
    await withPeer(
      () => undefined,
      (port) =>
        expectRpcError(
          queryPortmapper({ address: '127.0.0.1', port, rpcPrograms: programs, timeoutMs: 300 }),
          /no answer within 300 ms; is rpcbind running there/,
          1500,
        ),
    );
  });

  it('gives up on a peer that trickles a reply one byte at a time', async () => {
    await withPeer(
      (socket, call) => {
        if (!call) return;
        const reply = frameRecord(acceptedHeader(call.xid, 0).uint32(0).toBuffer());
        let sent = 0;
        const timer = setInterval(() => {
          if (socket.destroyed || sent === reply.length - 1) return clearInterval(timer);
          socket.write(reply.subarray(sent, ++sent));
        }, 100);
        socket.on('close', () => clearInterval(timer));
      },
      (port) =>
        expectRpcError(
          queryPortmapper({ address: '127.0.0.1', port, rpcPrograms: programs, timeoutMs: 500 }),
          /no answer within 500 ms/,
          1500,
        ),
    );
  });

  it('refuses a reply to another call', async () => {
    await withPeer(
      (socket, call) =>
        call &&
        socket.write(
          frameRecord(
            acceptedHeader(call.xid ^ 1, 0)
              .uint32(0)
              .toBuffer(),
          ),
        ),
      (port) =>
        expectRpcError(
          queryPortmapper({ address: '127.0.0.1', port, rpcPrograms: programs }),
          /another call/,
          2000,
        ),
    );
  });

  it('reports a refused connection with a hint', async () => {
    const port = await withPeer(
      () => undefined,
      async (free) => free,
    );
    const query = queryPortmapper({ address: '127.0.0.1', port, rpcPrograms: programs });
    await expectRpcError(query, /connection refused; is rpcbind running there/, 2000);
    await query.catch((error: Error) => assert.equal(errnoCode(error.cause), 'ECONNREFUSED'));
  });

  it('rethrows the caller’s abort reason, quickly', async () => {
    await withPeer(
      () => undefined,
      async (port) => {
        const controller = new AbortController();
        const reason = new Error('stop');
        setTimeout(() => controller.abort(reason), 50);
        const startedAt = performance.now();
        await assert.rejects(
          queryPortmapper({ address: '127.0.0.1', port, rpcPrograms: programs, signal: controller.signal }),
          (error) => error === reason,
        );
        assert.ok(performance.now() - startedAt < 1000);
      },
    );
  });

  it('rejects bad options clearly', async () => {
    await assert.rejects(queryPortmapper({ address: '127.0.0.1', port: 0, rpcPrograms: programs }), (error) =>
      isEarshotError(error, 'ERR_OPTION'),
    );
  });

  it('refuses a host that is not a host name or an address before resolving or connecting', async () => {
    for (const address of ['h\u001b]0;x\u0007', 'bad..host', 'a b', '10.0.0.0/24', '999.1.1.1', '', '[::1']) {
      await assert.rejects(
        dumpPortmapper({ address, rpcPrograms: programs, timeoutMs: 60_000 }),
        (error) => {
          assert.ok(isEarshotError(error, 'ERR_TARGET_SPEC'), String(error));
          assert.ok(
            error.message.startsWith(`Invalid host "${address}": it is not a host name or an IP address`),
          );
          return true;
        },
        address,
      );
    }
  });
});

describe('earshot rpcinfo against peers of our own', () => {
  it('prints an old portmapper like rpcinfo -p', async () => {
    await withPeer(oldPortmap, async (port) => {
      const result = await runEarshot(['rpcinfo', '127.0.0.1', '--port', String(port)]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stdout,
        [
          '   program vers proto   port  service',
          '    100000    2   tcp    111  portmapper',
          '    100007    2   udp    834  ypbind',
          '    100007    2   tcp    835  ypbind',
          '',
        ].join('\n'),
      );
    });
  });

  it('exits 1 with a clear message for a peer that is not a portmapper', async () => {
    await withPeer(
      (socket, call) => !call && socket.end('\u001b]0;pwned\u0007garbage'),
      async (port) => {
        const result = await runEarshot(['rpcinfo', '127.0.0.1', '-p', String(port), '--timeout', '2000']);
        assert.equal(result.code, 1);
        assert.match(result.stderr, /^earshot: Portmapper query to 127\.0\.0\.1:\d+ failed: /);
        assert.doesNotMatch(result.stderr, /\u001b/);
      },
    );
  });

  it('prints JSON through the safe serializer: a bidi override in a program name stays escaped', async () => {
    const temp = await makeTempDir('rpcinfo-json');
    try {
      const rpcFile = await temp.write('rpc', 'portmapper 100000\nyp\u202ebind 100007\n');
      await withPeer(oldPortmap, async (port) => {
        const result = await runEarshot([
          'rpcinfo',
          '127.0.0.1',
          '-p',
          String(port),
          '--json',
          '--rpc-file',
          rpcFile,
        ]);
        assert.equal(result.code, 0, result.stderr);
        assert.doesNotMatch(result.stdout, /\u202e/);
        const parsed = JSON.parse(result.stdout) as {
          rpcbindVersion: number;
          registrations: { name: string }[];
        };
        assert.equal(parsed.rpcbindVersion, 2);
        assert.equal(parsed.registrations[1]?.name, 'yp\u202ebind');
      });
    } finally {
      await temp.remove();
    }
  });

  it('stops on Ctrl-C with the one interrupt code: "interrupted", exit 130', async () => {
    let connected: () => void = () => undefined;
    const called = new Promise<void>((resolve) => {
      connected = resolve;
    });
    // A peer that takes the call and never answers: only the interrupt can end the wait.
    await withPeer(
      (_socket, call) => {
        if (call) connected();
      },
      async (port) => {
        const child = spawnEarshot(['rpcinfo', '127.0.0.1', '-p', String(port), '--timeout', '60000']);
        try {
          let stderr = '';
          child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
            stderr += chunk;
          });
          await called;
          child.kill('SIGINT');
          const [code] = (await once(child, 'close')) as [number | null];
          assert.equal(code, 130);
          assert.equal(stderr, 'earshot: interrupted (Ctrl-C)\n');
        } finally {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }
      },
    );
  });

  it('refuses a host with a control character or an empty label as a usage error (64), escaped', async () => {
    for (const host of ['h\u001bx', 'bad..host']) {
      const result = await runEarshot(['rpcinfo', host]);
      assert.equal(result.code, 64, result.stderr);
      assert.match(
        result.stderr,
        /^earshot: Invalid host "(h\\x1bx|bad\.\.host)": it is not a host name or an IP address/,
      );
      assert.doesNotMatch(result.stderr, /\u001b/);
    }
  });

  it('rejects a bad option as a usage error', async () => {
    const result = await runEarshot(['rpcinfo', '--rpc-version', '5']);
    assert.equal(result.code, 64);
    assert.match(result.stderr, /Invalid --rpc-version "5"/);
  });
});
