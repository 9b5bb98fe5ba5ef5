// The agent against a real earshot server on a real PostgreSQL, watching listeners a test namespace
// opens: the snapshot at start, events within seconds, a verify report before its event, a server
// away for a while and an agent restarted with its backlog (delivered in order, each once), bodies
// the server refuses for good (the queue moves on), and a big backlog within the per-token bound.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { parseServerUrl } from '../../../src/fleet/agent/credentials.js';
import type { RunningServer } from '../../../src/fleet/server/server.js';
import { openStore } from '../../../src/store/open-store.js';
import { skipUnlessPostgres, startTestPostgres, type TestPostgres } from '../../helpers/daemons/postgres.js';
import { skipUnless } from '../../helpers/needs.js';
import { waitForLine, withNetns } from '../../helpers/netns/netns.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { owner } from '../../reconcile/scene.js';
import { anchorPid } from '../../watch/harness.js';
import { agentToken, eventFor, readToken, request, startTestServer } from '../harness.js';
import {
  eventually,
  freePort,
  freshDatabase,
  HOST,
  serverEventIds,
  storeEventIds,
  testAgent,
} from './harness.js';

const holder = fileURLToPath(new URL('../../helpers/netns/holder.py', import.meta.url));
const skip = skipUnlessPostgres || skipUnless({ root: true, commands: ['python3'] });

describe('earshot agent: pushing to the server', { skip }, () => {
  let pg: TestPostgres;
  let temp: TempDir;
  before(async () => {
    [pg, temp] = await Promise.all([startTestPostgres(), makeTempDir('agent-push')]);
  });
  after(async () => {
    await Promise.all([pg?.remove(), temp?.remove()]);
  });

  /** A server on a new database, its agent token for this host and a viewer token. */
  async function fleet(options: { port?: number; rateLimitPerMinute?: number } = {}) {
    const db = await freshDatabase(pg);
    const server = await startTestServer(db.url, options);
    const [token, viewer] = await Promise.all([agentToken(db.url, HOST), readToken(db.url, 'viewer')]);
    const get = async (path: string) => (await request(`${server.url}${path}`, { token: viewer })).body;
    return { db, server, token, viewer, get };
  }

  it('pushes a snapshot at start: the host appears in GET /api/hosts with its listeners and owners', async () => {
    await withNetns('agent-start', async (ns) => {
      const { pid } = await anchorPid(ns);
      const peer = ns.spawn('python3', [
        holder,
        '--name',
        'agent-peer',
        'tcp:127.0.0.1:7401',
        'udp:[::1]:7402',
      ]);
      await waitForLine(peer, /^ready/m, 10_000);
      const { server, token, get } = await fleet();
      const agent = await testAgent(`${temp.path}/start.db`, { server: server.url, token, netnsPid: pid });
      try {
        await eventually(
          async () =>
            (await get('/api/hosts')).hosts?.some(
              (host: { name: string; listenerCount: number }) =>
                host.name === HOST && host.listenerCount === 2,
            ),
          'the host is listed with its two listeners',
        );
        const host = await get(`/api/hosts/${encodeURIComponent(HOST)}`);
        assert.deepEqual(
          host.listeners.map(
            (l: { protocol: string; address: string; port: number }) =>
              `${l.protocol} ${l.address} ${l.port}`,
          ),
          ['tcp 127.0.0.1 7401', 'udp ::1 7402'],
        );
        for (const listener of host.listeners) {
          assert.match(listener.ownerNames, /agent-peer\[\d+\]/);
          assert.match(listener.summary, /not verified yet/, 'no verify has run: the agent says so');
        }
        assert.equal(host.silent, false);
        assert.deepEqual(
          agent.pushes
            .filter((push) => push.kind === 'snapshot')
            .map((push) => push.kind === 'snapshot' && push.outcome),
          ['stored'],
        );
        await eventually(
          async () => (await get(`/api/events?host=${encodeURIComponent(HOST)}`)).events?.length === 2,
          'both opened events are stored',
        );
        assert.deepEqual(agent.warnings, []);
      } finally {
        await agent.close();
        await server.close();
      }
    });
  });

  it('shows a listener opened on the host within seconds, and a verify report before its event', async (t) => {
    await withNetns('agent-open', async (ns) => {
      const { pid } = await anchorPid(ns);
      const { db, server, token, get } = await fleet();
      const agent = await testAgent(`${temp.path}/open.db`, {
        server: server.url,
        token,
        netnsPid: pid,
        verifyEveryMs: 3_600_000,
        verify: { ports: [7411], udpPorts: null, detection: 'none', bindWitness: false },
      });
      try {
        await eventually(
          () => agent.pushes.some((push) => push.kind === 'report'),
          'the first verify report is pushed',
        );
        const peer = ns.spawn('python3', [holder, '--name', 'late-peer', 'tcp:0.0.0.0:7411']);
        await waitForLine(peer, /^ready/m, 10_000);
        const ready = Date.now();
        const path = `/api/events?host=${encodeURIComponent(HOST)}`;
        const opened = (events: { type: string; event: { port: number } }[] | undefined) =>
          events?.find((e) => e.type === 'listener-opened' && e.event.port === 7411);
        await eventually(
          async () => opened((await get(path)).events) !== undefined,
          'the opened event is on the server',
          15_000,
        );
        const seenMs = Date.now() - ready;
        t.diagnostic(
          `listener-opened of 7411 readable from GET /api/events ${seenMs} ms after the listener was ready`,
        );
        // Generous: a poll every 100 ms and one push; this only catches an agent that stopped pushing.
        assert.ok(seenMs < 10_000, `${seenMs} ms`);
        assert.match(JSON.stringify(opened((await get(path)).events)), /late-peer/);

        const verify = (await get(path)).events.find((e: { type: string }) => e.type === 'verify');
        const reportId = verify.event.verify.reportId;
        const order = await pg.psql(
          `SELECT (SELECT received_at FROM reports WHERE report_uid = '${reportId}') <= (SELECT received_at FROM events WHERE event_uid = '${verify.event.id}')`,
          db.name,
        );
        assert.equal(order, 't', 'the report a verify event names is stored before the event');
        assert.equal(
          await pg.psql(
            `SELECT body->'report'->'args'->>1 FROM reports WHERE report_uid = '${reportId}'`,
            db.name,
          ),
          'watch',
        );

        agent.agent.snapshotNow();
        await eventually(
          async () =>
            (await get(`/api/hosts/${encodeURIComponent(HOST)}`)).listeners?.some(
              (l: { port: number }) => l.port === 7411,
            ),
          'the next snapshot lists the new listener',
        );
      } finally {
        await agent.close();
        await server.close();
      }
    });
  });

  it('keeps events while the server is away and delivers them in order, each once, when it is back', async () => {
    await withNetns('agent-away', async (ns) => {
      const { pid } = await anchorPid(ns);
      const port = await freePort();
      const first = await fleet({ port });
      let server: RunningServer = first.server;
      const agent = await testAgent(`${temp.path}/away.db`, {
        server: server.url,
        token: first.token,
        netnsPid: pid,
      });
      try {
        await eventually(
          () => agent.pushes.some((push) => push.kind === 'snapshot'),
          'the start snapshot is stored',
        );
        await server.close();
        const a = ns.spawn('python3', [holder, 'tcp:127.0.0.1:7421', 'udp:0.0.0.0:7422']);
        await waitForLine(a, /^ready/m, 10_000);
        await eventually(() => agent.agent.pending() >= 2, 'the opened events wait');
        a.kill('SIGKILL');
        await once(a, 'close');
        const b = ns.spawn('python3', [holder, 'tcp:[::]:7423']);
        await waitForLine(b, /^ready/m, 10_000);
        await eventually(() => agent.agent.pending() >= 5, 'opened, closed and opened again wait');
        await eventually(
          () => agent.warnings.some((w) => /^push to .* failed \(kept queued/.test(w)),
          'a failed push is said',
        );
        agent.agent.snapshotNow();
        assert.deepEqual(await serverEventIds(pg, first.db.name).then((ids) => ids.length), 0);

        server = await startTestServer(first.db.url, { port });
        await eventually(() => agent.agent.pending() === 0, 'the backlog is delivered', 30_000);
        assert.deepEqual(
          await serverEventIds(pg, first.db.name),
          storeEventIds(agent.store),
          'in order, each once',
        );
        const types = agent.store.events.list().map((event) => event.type);
        assert.deepEqual(
          [
            types.filter((type) => type === 'listener-opened').length,
            types.filter((type) => type === 'listener-closed').length,
          ],
          [3, 2],
        );
        await eventually(async () => {
          const host = await first.get(`/api/hosts/${encodeURIComponent(HOST)}`);
          return host.listeners?.map((l: { port: number }) => l.port).join(',') === '7423';
        }, 'a snapshot after the backlog shows the host as it is now');
      } finally {
        await agent.close();
        await server.close();
      }
    });
  });

  it('delivers a backlog left by a stopped agent after it starts again, each event once', async () => {
    await withNetns('agent-restart', async (ns) => {
      const { pid } = await anchorPid(ns);
      const port = await freePort();
      const db = await freshDatabase(pg);
      const token = await agentToken(db.url, HOST);
      const url = `http://127.0.0.1:${port}`;
      const peer = ns.spawn('python3', [
        holder,
        'tcp:127.0.0.1:7431',
        'tcp:127.0.0.1:7432',
        'udp:127.0.0.1:7433',
      ]);
      await waitForLine(peer, /^ready/m, 10_000);
      const path = `${temp.path}/restart.db`;
      const down = await testAgent(path, { server: url, token, netnsPid: pid });
      await eventually(() => down.warnings.some((w) => /failed/.test(w)), 'the server is away');
      assert.equal(down.agent.pending(), 3);
      await down.close();

      const server = await startTestServer(db.url, { port });
      const again = await testAgent(path, { server: url, token, netnsPid: pid });
      try {
        await eventually(() => again.agent.pending() === 0, 'the backlog is delivered');
        const ids = storeEventIds(again.store);
        assert.equal(ids.length, 3);
        assert.deepEqual(await serverEventIds(pg, db.name), ids);
      } finally {
        await again.close();
        await server.close();
      }
    });
  });

  it('leaves out a body the server refuses for good (400, 413), saying why, and delivers the rest in order', async () => {
    await withNetns('agent-refused', async (ns) => {
      const { pid } = await anchorPid(ns);
      const { db, server, token } = await fleet();
      const path = `${temp.path}/refused.db`;
      const queue = `fleet:${parseServerUrl(server.url).href}`;
      const good = [eventFor(HOST, { port: 1 }), eventFor(HOST, { port: 2 }), eventFor(HOST, { port: 3 })];
      const invalid = { ...eventFor(HOST), port: 70000 };
      const huge = eventFor(HOST, {
        owners: [owner(1, 'big', '/usr/bin/big', { cmdline: ['x'.repeat(3 * 1024 * 1024)] })],
      });
      const store = openStore(path);
      store.write('test events', () => {
        for (const event of [good[0]!, invalid, good[1]!, huge, good[2]!])
          store.events.append(event, [queue]);
      });
      const agent = await testAgent(path, { store, server: server.url, token, netnsPid: pid });
      try {
        await eventually(() => agent.agent.pending() === 0, 'the queue is empty');
        assert.deepEqual(
          await serverEventIds(pg, db.name),
          good.map((event) => event.id),
        );
        const refused = agent.warnings.filter((w) => /refused 1 event for good/.test(w));
        assert.equal(refused.length, 2, agent.warnings.join('\n'));
        assert.match(refused[0]!, /400 invalid-body: \/events\/0\/event\/port: must be <= 65535/);
        assert.match(refused[1]!, /413 body-too-large/);
      } finally {
        await agent.close();
        await server.close();
      }
      const rows = new Database(path, { readonly: true })
        .prepare('SELECT last_error FROM outbox WHERE sink = ? AND last_error IS NOT NULL ORDER BY event_seq')
        .all(queue) as { last_error: string }[];
      assert.deepEqual(
        rows.map((row) => row.last_error.slice(0, 13)),
        ['refused: 400 ', 'refused: 413 '],
      );
    });
  });

  it('drains a backlog of 1,200 events in a few batches, within a bound of 12 requests a minute', async (t) => {
    await withNetns('agent-batch', async (ns) => {
      const { pid } = await anchorPid(ns);
      const port = await freePort();
      const db = await freshDatabase(pg);
      const token = await agentToken(db.url, HOST);
      // 600 listeners held by one process with a short command line (events stay small).
      const peer = ns.spawn('python3', [
        '-c',
        "import socket,time\nheld=[]\nfor p in range(20000,20600):\n s=socket.socket(); s.bind(('127.0.0.1',p)); s.listen(8); held.append(s)\nprint('ready',flush=True)\ntime.sleep(120)",
      ]);
      await waitForLine(peer, /^ready/m, 20_000);
      const path = `${temp.path}/batch.db`;
      const url = `http://127.0.0.1:${port}`;
      const agent = await testAgent(path, { server: url, token, netnsPid: pid });
      peer.kill('SIGKILL');
      await once(peer, 'close');
      await eventually(() => agent.agent.pending() === 1200, '600 opened and 600 closed events are queued');
      await agent.close();

      const server = await startTestServer(db.url, { port, rateLimitPerMinute: 12 });
      const started = Date.now();
      const again = await testAgent(path, { server: url, token, netnsPid: pid });
      try {
        await eventually(() => again.agent.pending() === 0, 'the backlog is delivered', 60_000);
        const batches = again.pushes.filter((push) => push.kind === 'events');
        t.diagnostic(`1,200 events in ${batches.length} requests, ${Date.now() - started} ms`);
        assert.ok(batches.length <= 6, `${batches.length} requests`);
        assert.deepEqual(await serverEventIds(pg, db.name), storeEventIds(again.store));
        assert.deepEqual(
          again.warnings.filter((w) => /429/.test(w)),
          [],
        );
      } finally {
        await again.close();
        await server.close();
      }
    });
  });
});
