// watch's table reader: only listeners, also from another namespace's tables loaded with connections,
// and no table parsed twice when its text did not change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ListenerTables } from '../../src/watch/listener-tables.js';
import { skipUnless } from '../helpers/needs.js';
import { waitForLine, withNetns } from '../helpers/netns.js';

const fixtures = fileURLToPath(new URL('../fixtures/proc/', import.meta.url));
const holder = fileURLToPath(new URL('../helpers/holder.py', import.meta.url));

describe('watch listener tables', () => {
  it('parses no table twice when its bytes did not change', () => {
    const tables = new ListenerTables(`${fixtures}ypbind/net`);
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
      const read = new ListenerTables(netDir).read();
      assert.deepEqual(
        read.sockets.filter((s) => s.protocol === 'tcp').map((s) => s.localAddress),
        ['127.0.0.1', '::1'],
      );
    });
  });
});
