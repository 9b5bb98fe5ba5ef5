// The agent when things go wrong: the server killed with -9 while it pushes (nothing lost, nothing
// twice), a wrong token and a token that is not an agent's (the agent stops and says so), another
// host's token (403: refused bodies leave the queue, the agent says why), the request bound (429:
// kept and retried later), peers that never answer or never stop answering (bounded), and HTTPS
// with a private CA (--ca), whose verification is never skipped.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { parseServerUrl } from '../../../src/fleet/agent/credentials.js';
import { skipUnlessPostgres, startTestPostgres, type TestPostgres } from '../../helpers/daemons/postgres.js';
import { skipUnless } from '../../helpers/needs.js';
import { run, waitForLine, withNetns } from '../../helpers/netns/netns.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { anchorPid } from '../../watch/harness.js';
import { agentToken, readToken, spawnServer, startTestServer } from '../harness.js';
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
const skip = skipUnlessPostgres || skipUnless({ root: true, commands: ['python3', 'openssl'] });

/** openssl, failing the test with its stderr. */
async function openssl(args: string[]): Promise<void> {
  const result = await run('openssl', args);
  assert.equal(result.code, 0, result.stderr);
}

/** A CA and a certificate it signed for 127.0.0.1, as a private fleet CA would make them. */
async function makePrivateCa(dir: string, name: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl([
    'req',
    '-x509',
    ...ec,
    '-days',
    '1',
    '-subj',
    `/CN=${name} CA`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
    '-keyout',
    `${dir}/${name}-ca.key`,
    '-out',
    `${dir}/${name}-ca.pem`,
  ]);
  await openssl([
    'req',
    ...ec,
    '-subj',
    '/CN=fleet',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    `${dir}/${name}.key`,
    '-out',
    `${dir}/${name}.csr`,
  ]);
  await openssl([
    'x509',
    '-req',
    '-in',
    `${dir}/${name}.csr`,
    '-CA',
    `${dir}/${name}-ca.pem`,
    '-CAkey',
    `${dir}/${name}-ca.key`,
    '-set_serial',
    '2',
    '-days',
    '1',
    '-copy_extensions',
    'copy',
    '-out',
    `${dir}/${name}.pem`,
  ]);
}

describe('earshot agent: trouble', { skip }, () => {
  let pg: TestPostgres;
  let temp: TempDir;
  before(async () => {
    [pg, temp] = await Promise.all([startTestPostgres(), makeTempDir('agent-trouble')]);
  });
  after(async () => {
    await Promise.all([pg?.remove(), temp?.remove()]);
  });

  it('loses nothing and stores nothing twice when the server is killed with -9 while the agent pushes', async (t) => {
    await withNetns('agent-kill', async (ns) => {
      const { pid } = await anchorPid(ns);
      const port = await freePort();
      const db = await freshDatabase(pg);
      const token = await agentToken(db.url, HOST);
      let server = await spawnServer(db.url, { port });
      const agent = await testAgent(`${temp.path}/kill.db`, {
        server: server.url,
        token,
        netnsPid: pid,
        maxBatchEvents: 5,
        snapshotEveryMs: 300,
      });
      try {
        let killedAfter = -1;
        // Bursts of listeners opening and closing, the server killed during the third.
        for (let burst = 0; burst < 6; burst++) {
          const endpoints = Array.from({ length: 30 }, (_, i) => `tcp:127.0.0.1:${21000 + burst * 100 + i}`);
          const peer = ns.spawn('python3', [holder, ...endpoints]);
          await waitForLine(peer, /^ready/m, 10_000);
          if (burst === 2) {
            await eventually(() => agent.pushes.length > 0, 'pushes are going on');
            killedAfter = agent.pushes.length;
            server.child.kill('SIGKILL');
            await once(server.child, 'exit');
          }
          await new Promise((resolve) => setTimeout(resolve, 150));
          peer.kill('SIGKILL');
          await once(peer, 'close');
        }
        await eventually(() => agent.warnings.some((w) => /failed/.test(w)), 'the agent saw the server go');
        server = await spawnServer(db.url, { port });
        await eventually(() => agent.agent.pending() === 0, 'the backlog is delivered', 60_000);
        const ids = storeEventIds(agent.store);
        t.diagnostic(`${ids.length} events, server killed after ${killedAfter} pushes`);
        // Each listener opened and closed once (a poll that caught a process before its owner was
        // found adds an owners-changed event too).
        const types = agent.store.events.list().map((event) => event.type);
        assert.equal(types.filter((type) => type === 'listener-opened').length, 180);
        assert.equal(types.filter((type) => type === 'listener-closed').length, 180);
        assert.deepEqual(await serverEventIds(pg, db.name), ids, 'every event stored once, in order');
        const reports = await pg.psql('SELECT count(*), count(DISTINCT report_uid) FROM reports', db.name);
        const [count, distinct] = reports.split('|');
        assert.equal(count, distinct);
        assert.ok(Number(count) >= 2, `${count} snapshots stored`);
      } finally {
        await agent.close();
        await server.stop();
      }
    });
  });

  it('stops with ERR_AGENT_TOKEN on a wrong token, keeping what is queued, and never shows the token', async () => {
    await withNetns('agent-token', async (ns) => {
      const { pid } = await anchorPid(ns);
      const peer = ns.spawn('python3', [holder, 'tcp:127.0.0.1:7501']);
      await waitForLine(peer, /^ready/m, 10_000);
      const db = await freshDatabase(pg);
      const server = await startTestServer(db.url);
      const wrong = `es_agent_${'w'.repeat(43)}`;
      const agent = await testAgent(`${temp.path}/token.db`, {
        server: server.url,
        token: wrong,
        netnsPid: pid,
      });
      try {
        const failure = await agent.agent.done.then(
          () => null,
          (error: Error & { code?: string }) => error,
        );
        assert.equal(failure?.code, 'ERR_AGENT_TOKEN');
        assert.match(
          failure!.message,
          /refused the agent token: it is wrong or revoked \(401: The token is wrong or revoked\.\)/,
        );
        assert.match(failure!.message, /earshot server token --agent HOST/);
        assert.doesNotMatch(failure!.message + agent.warnings.join('\n'), /wwwwwwww/);
        assert.equal(agent.agent.pending(), 1, 'the opened event stays queued for a right token');
      } finally {
        await agent.close();
        await server.close();
      }

      const viewer = await readToken(db.url, 'a-viewer');
      const other = await startTestServer(db.url);
      const asViewer = await testAgent(`${temp.path}/viewer.db`, {
        server: other.url,
        token: viewer,
        netnsPid: pid,
      });
      try {
        await assert.rejects(asViewer.agent.done, (error: Error & { code?: string }) => {
          assert.equal(error.code, 'ERR_AGENT_TOKEN');
          assert.match(error.message, /does not let this token push: it is not an agent token \(403/);
          return true;
        });
      } finally {
        await asViewer.close();
        await other.close();
      }
    });
  });

  it('refuses to report as another host (403), says so, and moves on without storing anything', async () => {
    await withNetns('agent-host', async (ns) => {
      const { pid } = await anchorPid(ns);
      const peer = ns.spawn('python3', [holder, 'tcp:127.0.0.1:7511', 'udp:127.0.0.1:7512']);
      await waitForLine(peer, /^ready/m, 10_000);
      const db = await freshDatabase(pg);
      const server = await startTestServer(db.url);
      const token = await agentToken(db.url, 'someone-else');
      const path = `${temp.path}/host.db`;
      const agent = await testAgent(path, { server: server.url, token, netnsPid: pid });
      try {
        await eventually(
          () =>
            agent.agent.pending() === 0 &&
            agent.warnings.some((w) => /snapshot .* refused|refused the snapshot/.test(w)),
          'the events and the snapshot are refused',
        );
        const said = agent.warnings.join('\n');
        assert.match(
          said,
          /refused 2 events for good \(403 wrong-host: \/events\/0\/event names host "[^"]+", but this token belongs to "someone-else"/,
        );
        assert.match(
          said,
          /refused the snapshot [0-9a-f-]+ for good \(403 wrong-host: \/report\/host\/hostname names host/,
        );
        assert.equal(
          await pg.psql('SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM reports)', db.name),
          '0',
        );
        let settled = false;
        void agent.agent.done.then(() => {
          settled = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(settled, false, 'the agent keeps running');
      } finally {
        await agent.close();
        await server.close();
      }
      const queue = `fleet:${parseServerUrl(server.url).href}`;
      const rows = new Database(path, { readonly: true })
        .prepare('SELECT last_error FROM outbox WHERE sink = ? ORDER BY event_seq')
        .all(queue) as { last_error: string }[];
      assert.equal(rows.length, 2);
      for (const row of rows) assert.match(row.last_error, /^refused: 403 wrong-host: /);
    });
  });

  it('keeps events the request bound holds back (429) and says so', async (t) => {
    await withNetns('agent-429', async (ns) => {
      const { pid } = await anchorPid(ns);
      const peer = ns.spawn('python3', [
        holder,
        'tcp:127.0.0.1:7521',
        'tcp:127.0.0.1:7522',
        'tcp:127.0.0.1:7523',
      ]);
      await waitForLine(peer, /^ready/m, 10_000);
      const db = await freshDatabase(pg);
      const server = await startTestServer(db.url, { rateLimitPerMinute: 1 });
      const token = await agentToken(db.url, HOST);
      const agent = await testAgent(`${temp.path}/bound.db`, {
        server: server.url,
        token,
        netnsPid: pid,
        maxBatchEvents: 1,
      });
      try {
        await eventually(
          () => agent.warnings.some((w) => /429: Too many requests/.test(w)),
          'the bound is met',
        );
        t.diagnostic(agent.warnings.find((w) => /429/.test(w)) ?? '');
        // The first request of the minute went through; the rest wait for Retry-After, kept.
        const pending = agent.agent.pending();
        assert.ok(pending >= 1 && pending <= 2, `${pending} queued`);
        assert.ok((await serverEventIds(pg, db.name)).length <= 1);
      } finally {
        await agent.close();
        await server.close();
      }
    });
  });

  it('gives up on a server that never answers, or answers without end, and keeps the events', async (t) => {
    await withNetns('agent-bounds', async (ns) => {
      const { pid } = await anchorPid(ns);
      const peer = ns.spawn('python3', [holder, 'tcp:127.0.0.1:7531']);
      await waitForLine(peer, /^ready/m, 10_000);
      // Two peers that are not earshot servers: one reads requests and never answers; one answers 200
      // and then sends a body that never ends.
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => {
        sockets.add(socket);
        socket.resume();
      });
      const endless = createServer((socket) => {
        sockets.add(socket);
        socket.once('data', () => {
          socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n');
          const chunk = Buffer.alloc(16 * 1024, 0x20);
          const pump = () => {
            while (!socket.destroyed && socket.write(chunk)) {}
          };
          socket.on('drain', pump);
          socket.on('error', () => undefined);
          pump();
        });
      });
      for (const server of [silent, endless])
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = (server: Server) => `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      try {
        for (const [server, said] of [
          [silent, /no answer within 300 ms/],
          [endless, /the answer is larger than 65536 bytes/],
        ] as const) {
          const agent = await testAgent(
            `${temp.path}/bounds-${(server.address() as { port: number }).port}.db`,
            {
              server: url(server),
              token: `es_agent_${'b'.repeat(43)}`,
              netnsPid: pid,
              requestTimeoutMs: 300,
            },
          );
          try {
            await eventually(
              () => agent.warnings.some((w) => said.test(w)),
              `the agent says ${said}`,
              15_000,
            );
            t.diagnostic(agent.warnings.find((w) => said.test(w))!);
            assert.equal(agent.agent.pending(), 1, 'the event stays queued');
          } finally {
            await agent.close();
          }
        }
      } finally {
        for (const socket of sockets) socket.destroy();
        await Promise.all([silent, endless].map((server) => new Promise((resolve) => server.close(resolve))));
      }
    });
  });

  it('pushes over HTTPS to a server whose certificate a private CA signed (--ca), and to nothing else', async (t) => {
    await withNetns('agent-tls', async (ns) => {
      const { pid } = await anchorPid(ns);
      const dir = temp.path;
      await makePrivateCa(dir, 'fleet');
      await makePrivateCa(dir, 'stranger');
      const db = await freshDatabase(pg);
      const server = await startTestServer(db.url, {
        tls: { certFile: `${dir}/fleet.pem`, keyFile: `${dir}/fleet.key` },
      });
      const token = await agentToken(db.url, HOST);
      const ca = await readFile(`${dir}/fleet-ca.pem`, 'utf8');
      try {
        const trusted = await testAgent(`${temp.path}/tls.db`, {
          server: server.url,
          token,
          ca,
          netnsPid: pid,
        });
        try {
          await eventually(
            () => trusted.pushes.some((push) => push.kind === 'snapshot'),
            'the snapshot goes over TLS',
          );
          assert.deepEqual(trusted.warnings, []);
        } finally {
          await trusted.close();
        }
        for (const [label, otherCa] of [
          ['no --ca', undefined],
          ['another CA', await readFile(`${dir}/stranger-ca.pem`, 'utf8')],
        ] as const) {
          const refused = await testAgent(`${temp.path}/tls-${label.replace(/\W/g, '')}.db`, {
            server: server.url,
            token,
            ...(otherCa ? { ca: otherCa } : {}),
            netnsPid: pid,
          });
          try {
            await eventually(
              () => refused.warnings.some((w) => /failed/.test(w)),
              `${label}: the push fails`,
            );
            t.diagnostic(`${label}: ${refused.warnings[0]}`);
            assert.match(refused.warnings.join('\n'), /certificate|UNABLE_TO_VERIFY|self[- ]signed/i, label);
            assert.equal(refused.pushes.length, 0, label);
          } finally {
            await refused.close();
          }
        }
        assert.equal(await pg.psql('SELECT count(*) FROM reports', db.name), '1');
      } finally {
        await server.close();
      }
    });
  });
});
