// netlink sock_diag against the text tables of the same kernel: the listening sockets of this
// process's network namespace (the test runs in a fresh one, scripts/run-tests.sh), field for field
// what parseProcNet makes of /proc/net/{tcp,tcp6,udp,udp6}, and what `ss -tulnH` lists.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { after, before, describe, it, type TestContext } from 'node:test';
import { PROC_NET_TABLES, parseProcNet } from '../../src/inventory/proc-net.js';
import { loadSockDiag, type SockDiag, socketsOfDump } from '../../src/inventory/sock-diag.js';
import type { Socket } from '../../src/model.js';
import { hasCommand, isRoot, requireEverything, skipUnless } from '../helpers/needs.js';
import { ssKeys } from '../helpers/oracles/ss.js';

const loaded = loadSockDiag();
const servers: Server[] = [];
const udpSockets: UdpSocket[] = [];
const clients: TcpSocket[] = [];

function needSockDiag(t: TestContext): SockDiag | null {
  if (loaded.ok) return loaded.sockDiag;
  assert.ok(!requireEverything, `CI=true and the sock_diag addon is unavailable: ${loaded.reason}`);
  t.skip(`sock_diag addon unavailable: ${loaded.reason}`);
  return null;
}

function listen(options: { host: string; ipv6Only?: boolean }): Promise<number> {
  const server = createServer((connection) => connection.on('error', () => undefined));
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, ...options }, () => resolve((server.address() as { port: number }).port));
  });
}

function bindUdp(type: 'udp4' | 'udp6', host: string, ipv6Only = false): Promise<UdpSocket> {
  const socket = createSocket({ type, ipv6Only });
  udpSockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => resolve(socket));
  });
}

const dumpAll = (sockDiag: SockDiag): Socket[] =>
  PROC_NET_TABLES.flatMap((table) => {
    const dump = sockDiag.dumpListening(table);
    assert.ok(dump.ok, dump.ok ? '' : `${table.file}: ${dump.message}`);
    return socketsOfDump(dump.records, table);
  });

const parseAll = (): Socket[] =>
  PROC_NET_TABLES.flatMap((table) => {
    const path = `/proc/net/${table.file}`;
    const parsed = parseProcNet(readFileSync(path, 'latin1'), table, path, { listeningOnly: true });
    assert.deepEqual(parsed.warnings, []);
    return parsed.sockets;
  });

const sorted = (sockets: readonly Socket[]) => sockets.map((socket) => JSON.stringify(socket)).sort();

// Two reads are two moments: in a namespace shared with other programs a socket can come or go in
// between. Equal tables are read again, up to three times, before they count as different.
function assertSameAsProc(sockDiag: SockDiag): Socket[] {
  let fromNetlink: Socket[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    fromNetlink = dumpAll(sockDiag);
    if (JSON.stringify(sorted(fromNetlink)) === JSON.stringify(sorted(parseAll()))) return fromNetlink;
  }
  assert.deepEqual(sorted(fromNetlink), sorted(parseAll()));
  return fromNetlink;
}

// In a fresh namespace (only loopback: not the host's, whose links are not ours) the test may add a link.
const ownNamespace =
  isRoot &&
  hasCommand('ip') &&
  execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).trim().split('\n').length === 1;

describe('netlink sock_diag', () => {
  const ports: Record<string, number> = {};

  before(async () => {
    if (!loaded.ok) return;
    ports.tcp4 = await listen({ host: '127.0.0.1' });
    ports.tcpAny4 = await listen({ host: '0.0.0.0' });
    ports.tcp6 = await listen({ host: '::1' });
    ports.dualStack = await listen({ host: '::', ipv6Only: false });
    ports.v6only = await listen({ host: '::', ipv6Only: true });
    ports.mapped = await listen({ host: '::ffff:127.0.0.1' });
    ports.udp4 = (await bindUdp('udp4', '127.0.0.1')).address().port;
    ports.udp6 = (await bindUdp('udp6', '::1', true)).address().port;
    ports.udpDual = (await bindUdp('udp6', '::')).address().port;
    ports.udpV6only = (await bindUdp('udp6', '::', true)).address().port;
    const connected = await bindUdp('udp4', '127.0.0.1');
    await new Promise<void>((resolve) => connected.connect(ports.udp4!, '127.0.0.1', resolve));
    ports.udpConnected = connected.address().port;
    for (let i = 0; i < 20; i++) {
      const client = createConnection({ host: '127.0.0.1', port: ports.tcp4 });
      client.on('error', () => undefined);
      clients.push(client);
      await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    }
    if (ownNamespace) {
      // A link-local listener: the kernel keeps its interface index, which neither table prints.
      execFileSync('sh', [
        '-c',
        'ip link add earshot-diag0 type veth peer name earshot-diag1 && ip link set earshot-diag0 up && ip link set earshot-diag1 up && ip addr add fe80::1/64 dev earshot-diag0 nodad',
      ]);
      ports.linkLocal = await listen({ host: 'fe80::1%earshot-diag0' });
    }
  });

  after(async () => {
    for (const client of clients) client.destroy();
    for (const socket of udpSockets) socket.close();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    if (ownNamespace) execFileSync('sh', ['-c', 'ip link del earshot-diag0 2>/dev/null || true']);
  });

  it('lists exactly the listeners /proc/net lists, field for field', (t) => {
    const sockDiag = needSockDiag(t);
    if (sockDiag === null) return;
    const sockets = assertSameAsProc(sockDiag);
    const find = (protocol: string, port: number) =>
      sockets.filter((s) => s.protocol === protocol && s.localPort === port);
    const one = (protocol: string, port: number) => {
      const found = find(protocol, port);
      assert.equal(found.length, 1, `${protocol} ${port}: ${JSON.stringify(found)}`);
      return found[0]!;
    };
    assert.equal(one('tcp', ports.tcp4!).localAddress, '127.0.0.1');
    assert.equal(one('tcp', ports.tcpAny4!).localAddress, '0.0.0.0');
    assert.equal(one('tcp', ports.tcp6!).localAddress, '::1');
    assert.deepEqual(
      [one('tcp', ports.dualStack!), one('tcp', ports.v6only!)].map((s) => [s.family, s.localAddress]),
      [
        ['ipv6', '::'],
        ['ipv6', '::'],
      ],
    );
    // An IPv4-mapped bind sits in the IPv6 table and reads as plain IPv4, as decodeProcAddress has it.
    assert.deepEqual(
      [one('tcp', ports.mapped!).family, one('tcp', ports.mapped!).localAddress],
      ['ipv6', '127.0.0.1'],
    );
    for (const port of [ports.udp4!, ports.udp6!, ports.udpDual!, ports.udpV6only!]) {
      assert.equal(one('udp', port).state, 'UNCONN');
    }
    assert.deepEqual(find('udp', ports.udpConnected!), [], 'a connected UDP socket is not listening');
    assert.ok(sockets.every((s) => s.state === 'LISTEN' || s.state === 'UNCONN'));
    assert.ok(sockets.every((s) => s.inode > 0 && s.uid === process.getuid?.()));
    if (ports.linkLocal !== undefined) assert.equal(one('tcp', ports.linkLocal).localAddress, 'fe80::1');
    else t.diagnostic('link-local listener left out: not root in a network namespace of its own');
  });

  it('leaves established connections out', (t) => {
    const sockDiag = needSockDiag(t);
    if (sockDiag === null) return;
    const established = readFileSync('/proc/net/tcp', 'latin1')
      .split('\n')
      .filter((line) => / 01 /.test(line));
    assert.ok(established.length >= 40, 'the connections exist in /proc/net/tcp');
    const sockets = dumpAll(sockDiag);
    assert.deepEqual(
      sockets.filter((s) => s.localPort === ports.tcp4).map((s) => s.state),
      ['LISTEN'],
    );
  });

  it('agrees with ss -tulnH', { skip: skipUnless({ commands: ['ss'] }) }, (t) => {
    const sockDiag = needSockDiag(t);
    if (sockDiag === null) return;
    for (let attempt = 0; ; attempt++) {
      const ours = dumpAll(sockDiag)
        .map(
          (s) =>
            `${s.protocol} ${s.state} ${s.localAddress}:${s.localPort} ${s.remoteAddress}:${s.remotePort} []`,
        )
        .sort();
      const theirs = ssKeys(execFileSync('ss', ['-tulnH'], { encoding: 'utf8' }));
      if (attempt < 2 && JSON.stringify(ours) !== JSON.stringify(theirs)) continue;
      assert.deepEqual(ours, theirs);
      break;
    }
  });

  it('dumps thousands of listeners, the same as /proc/net', async (t) => {
    const sockDiag = needSockDiag(t);
    if (sockDiag === null) return;
    const many: Promise<number>[] = [];
    for (let i = 0; i < 3000; i++) many.push(listen({ host: i % 2 === 0 ? '127.0.0.1' : '::1' }));
    for (let i = 0; i < 300; i++) many.push(bindUdp('udp4', '127.0.0.1').then((s) => s.address().port));
    const opened = new Set(await Promise.all(many));
    const sockets = assertSameAsProc(sockDiag);
    const found = sockets.filter((s) => opened.has(s.localPort));
    assert.ok(found.length >= 3300, `${found.length} of 3300 found`);
  });

  it('says why when the addon is not there', () => {
    const missing = loadSockDiag('/nonexistent/sock_diag.node');
    assert.equal(missing.ok, false);
    assert.match(missing.ok ? '' : missing.reason, /^native addon not built: run "npm rebuild"/);
    const wrong = loadSockDiag(new URL('../../build/Release/bind_probe.node', import.meta.url).pathname);
    assert.match(wrong.ok ? '' : wrong.reason, /is not earshot's sock_diag addon|native addon not built/);
  });
});
