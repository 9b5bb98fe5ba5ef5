// watch's table reader: only listeners, also from another namespace's tables loaded with connections,
// and no table parsed twice when its bytes did not change; netlink for this process's own namespace,
// /proc/net text for any other, or without the addon.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSockDiag } from '../../src/inventory/sock-diag.js';
import { ListenerTables } from '../../src/watch/listener-tables.js';
import { fixturePath } from '../helpers/fixtures.js';
import { requireEverything, skipUnless } from '../helpers/needs.js';
import { waitForLine, withNetns } from '../helpers/netns/netns.js';

const ypbindTables = fixturePath('proc/ypbind/net');
const holder = fileURLToPath(new URL('../helpers/netns/holder.py', import.meta.url));

describe('watch listener tables', () => {
  it('parses no table twice when its bytes did not change', () => {
    const tables = new ListenerTables(ypbindTables);
    const first = tables.read();
    assert.ok(first.sockets.length > 0);
    assert.ok(first.sockets.every((s) => s.state === 'LISTEN' || s.state === 'UNCONN'));
    const second = tables.read();
    // The very same socket objects come back: nothing was parsed again.
    assert.ok(second.sockets.every((socket, index) => socket === first.sockets[index]));
  });

  it('reads only the listeners of a namespace with connections', {
    skip: skipUnless({ root: true, commands: ['python3'] }),
  }, async () => {
    await withNetns('watch-tables', async (ns) => {
      const child = ns.spawn('python3', [holder, 'tcp:127.0.0.1:0', 'tcp:[::1]:0', '--connections', '50']);
      await waitForLine(child, /^ready/m, 20_000);
      const netDir = `/proc/${child.pid}/net`;
      const tables = new ListenerTables(netDir);
      assert.deepEqual(tables.source, { kind: 'proc', reason: `${netDir} shows another network namespace` });
      const read = tables.read();
      assert.deepEqual(
        read.sockets.filter((s) => s.protocol === 'tcp').map((s) => s.localAddress),
        ['127.0.0.1', '::1'],
      );
    });
  });

  it('reads this namespace through netlink, the same sockets as /proc/net, unchanged objects while idle', async (t) => {
    const loaded = loadSockDiag();
    if (!loaded.ok) {
      assert.ok(!requireEverything, `CI=true and the sock_diag addon is unavailable: ${loaded.reason}`);
      t.skip(loaded.reason);
      return;
    }
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const tables = new ListenerTables('/proc/net');
      assert.deepEqual(tables.source, { kind: 'sock-diag' });
      const first = tables.read();
      assert.equal(first.tablesRead, 4);
      assert.ok(first.sockets.some((s) => s.protocol === 'tcp' && s.localPort === port));
      const text = new ListenerTables('/proc/net', { sockDiag: false });
      assert.equal(text.source.kind, 'proc');
      const key = (s: object) => JSON.stringify(s);
      assert.deepEqual(first.sockets.map(key).sort(), text.read().sockets.map(key).sort());
      const second = tables.read();
      assert.equal(second.changed, false);
      assert.ok(second.sockets.every((socket, index) => socket === first.sockets[index]));
      await new Promise((resolve) => server.close(resolve));
      const third = tables.read();
      assert.equal(third.changed, true);
      assert.ok(!third.sockets.some((s) => s.protocol === 'tcp' && s.localPort === port));
    } finally {
      if (server.listening) server.close();
    }
  });

  it('reads /proc/net text for a table that is not procfs, or without the addon, and says why', () => {
    const fixture = new ListenerTables(ypbindTables);
    assert.deepEqual(fixture.source, { kind: 'proc', reason: `${ypbindTables} is not procfs` });
    const noAddon = new ListenerTables('/proc/net', { sockDiagAddonPath: '/nonexistent/sock_diag.node' });
    assert.equal(noAddon.source.kind, 'proc');
    assert.match(
      noAddon.source.kind === 'proc' ? noAddon.source.reason : '',
      /^netlink sock_diag unavailable \(native addon not built/,
    );
    assert.equal(noAddon.read().tablesRead, 4);
  });
});
