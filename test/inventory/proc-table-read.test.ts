import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isEarshotError } from '../../src/errors.js';
import { parseProcNet } from '../../src/inventory/proc-net.js';
import { readTableText, readTcpListeningPrefix } from '../../src/inventory/proc-table-read.js';
import { fixturePath } from '../helpers/fixtures.js';

const fixtures = fixturePath('proc/');
const HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const line = (sl: number, port: number, state: string, inode: number) =>
  `${String(sl).padStart(4)}: 0100007F:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`;

describe('readTcpListeningPrefix on table files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'earshot-prefix-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text, 'latin1');
    return path;
  };

  it('stops before the first line of the established pass, at any read size', () => {
    const listeners = line(0, 22, '0A', 101) + line(1, 834, '0A', 102) + line(2, 80, '03', 103);
    const path = write('tcp', HEADER + listeners + line(3, 40000, '01', 104) + line(4, 9999, '0A', 105));
    for (const chunk of [7, 64, 150, 4096, 65536]) {
      assert.equal(readTcpListeningPrefix(path, chunk), HEADER + listeners, `chunk ${chunk}`);
    }
  });

  it('keeps a garbled line for the parser to report, and reads on past it', () => {
    const text = `${HEADER}${line(0, 22, '0A', 101)}   1: garbage\n${line(2, 25, '0A', 102)}`;
    const path = write('garbled', `${text}${line(3, 40000, '06', 0)}`);
    const prefix = readTcpListeningPrefix(path, 16);
    assert.equal(prefix, text);
    const parsed = parseProcNet(prefix, { protocol: 'tcp', family: 'ipv4' }, path);
    assert.deepEqual(
      parsed.sockets.map((s) => s.localPort),
      [22, 25],
    );
    assert.equal(parsed.warnings[0]?.line, 3);
  });

  it('returns a table of listeners only whole, even without a final newline', () => {
    const text = HEADER + line(0, 22, '0A', 101) + line(1, 25, '0A', 102).trimEnd();
    assert.equal(readTcpListeningPrefix(write('only', text), 32), text);
  });

  it('keeps every LISTEN line of a captured table', () => {
    for (const file of ['tcp', 'tcp6']) {
      const path = `${fixtures}ypbind/net/${file}`;
      const family = file === 'tcp' ? 'ipv4' : 'ipv6';
      const listening = (text: string) =>
        parseProcNet(text, { protocol: 'tcp', family }, path, { listeningOnly: true }).sockets;
      assert.deepEqual(listening(readTcpListeningPrefix(path)), listening(readTableText(path)));
    }
  });

  it('throws ERR_PROC_READ for a missing table, caused by ENOENT, as a whole read does', () => {
    for (const read of [readTcpListeningPrefix, readTableText]) {
      assert.throws(
        () => read(join(dir, 'absent')),
        (error: Error) =>
          isEarshotError(error, 'ERR_PROC_READ') && (error.cause as { code?: string }).code === 'ENOENT',
      );
    }
  });

  it('refuses a FIFO in place of a table at once, and a table past the cap', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const read of [readTcpListeningPrefix, readTableText]) {
      assert.throws(() => read(fifo), /socket table ".*fifo": it is a named pipe/);
      assert.throws(() => read('/dev/zero'), /it is a device/);
    }
  });
});

describe('readTcpListeningPrefix on the kernel table', () => {
  it('holds our listeners and none of our connections, and stops short of the whole table', async () => {
    const servers: Server[] = [];
    const clients: Socket[] = [];
    const accepted: Socket[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const server = createServer((peer) => accepted.push(peer));
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        servers.push(server);
      }
      const first = servers[0]!.address() as { port: number };
      for (let i = 0; i < 40; i++) {
        const client = connect(first.port, '127.0.0.1');
        await new Promise<void>((resolve, reject) => {
          client.once('connect', resolve);
          client.once('error', reject);
        });
        clients.push(client);
      }
      const ports = servers.map((server) => (server.address() as { port: number }).port);
      const clientPorts = new Set(clients.map((client) => client.localPort));
      const prefix = readTcpListeningPrefix('/proc/net/tcp');
      const whole = readFileSync('/proc/net/tcp', 'latin1');
      const parse = (text: string) =>
        parseProcNet(text, { protocol: 'tcp', family: 'ipv4' }, '/proc/net/tcp').sockets;
      const inPrefix = parse(prefix);
      for (const port of ports) {
        assert.ok(
          inPrefix.some((s) => s.localPort === port && s.state === 'LISTEN'),
          `listener ${port} in the prefix`,
        );
      }
      assert.ok(
        inPrefix.every((s) => !clientPorts.has(s.localPort)),
        'no connection of ours in the prefix',
      );
      assert.ok(
        parse(whole).some((s) => clientPorts.has(s.localPort)),
        'the whole table has them',
      );
      assert.ok(prefix.length < whole.length);
    } finally {
      for (const socket of [...clients, ...accepted]) socket.destroy();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });
});
