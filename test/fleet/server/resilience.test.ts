// The server under trouble, each with a real PostgreSQL and servers in processes of their own:
// killed -9 while agents push (restarted: nothing lost, nothing twice), PostgreSQL restarted under
// load (503 meanwhile, never a crash, then it recovers), and two processes giving the same view.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { skipUnlessPostgres, startTestPostgres, type TestPostgres } from '../../helpers/daemons/postgres.js';
import { agentToken, readToken, reportFor, request, snapshot, spawnServer } from '../harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An agent that pushes `count` snapshots in order, each retried with the same report id until a
 * server acknowledges it (any 2xx). `url()` names the server to use now. Returns the statuses seen.
 */
async function pushAll(
  url: () => string,
  token: string,
  host: string,
  count: number,
  deadline: number,
): Promise<{ ids: string[]; statuses: Map<number | string, number> }> {
  const ids: string[] = [];
  const statuses = new Map<number | string, number>();
  const start = Date.now();
  for (let n = 0; n < count; n++) {
    const body = snapshot(
      reportFor(host, n % 2 ? 'listeners' : 'quiet', new Date(start + n * 1000).toISOString()),
      `${host}-${n}`,
    );
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${host}: report ${n} not delivered in time`);
      let status: number | string;
      try {
        status = (await request(`${url()}/api/agent/report`, { token, body })).status;
      } catch (error) {
        status = (error as { cause?: { code?: string } }).cause?.code ?? 'network';
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (typeof status === 'number' && status >= 200 && status < 300) break;
      await sleep(100);
    }
    ids.push(body.reportId);
  }
  return { ids, statuses };
}

describe('fleet server under trouble', { skip: skipUnlessPostgres }, () => {
  let pg: TestPostgres;
  before(async () => {
    pg = await startTestPostgres();
  });
  after(() => pg?.remove());

  it('killed -9 while four agents push, then restarted: every report stored, none twice', async () => {
    const hosts = ['k1', 'k2', 'k3', 'k4'];
    const tokens = await Promise.all(hosts.map((host) => agentToken(pg.url(), host)));
    let server = await spawnServer(pg.url());
    let current = server.url;
    const deadline = Date.now() + 120_000;
    const pushing = hosts.map((host, i) => pushAll(() => current, tokens[i]!, host, 40, deadline));
    // Kill once reports are flowing, with pushes in flight.
    for (let i = 0; i < 200 && Number(await pg.psql('SELECT count(*) FROM reports')) < 20; i++)
      await sleep(50);
    server.child.kill('SIGKILL');
    await sleep(300);
    server = await spawnServer(pg.url());
    current = server.url;
    try {
      const results = await Promise.all(pushing);
      const failures = results.reduce(
        (sum, r) => sum + [...r.statuses.keys()].filter((s) => typeof s === 'string').length,
        0,
      );
      assert.ok(failures > 0, 'some pushes met the dead server');
      const stored = await pg.psql(
        "SELECT count(*) || ' ' || count(DISTINCT report_uid) FROM reports WHERE report_uid ~ '^k[1-4]-'",
      );
      assert.equal(stored, '160 160', 'each of the 160 reports stored exactly once');
      const latest = await pg.psql(
        "SELECT string_agg(h.name || '=' || r.report_uid, ',' ORDER BY h.name) FROM host_views v JOIN hosts h ON h.id = v.host_id JOIN reports r ON r.id = v.latest_report_id WHERE h.name ~ '^k'",
      );
      assert.equal(latest, 'k1=k1-39,k2=k2-39,k3=k3-39,k4=k4-39', 'every host shows its last report');
    } finally {
      await server.stop();
    }
  });

  it('answers 503 while PostgreSQL restarts under load, never crashes, and recovers', async () => {
    const token = await agentToken(pg.url(), 'restart');
    const viewer = await readToken(pg.url(), 'restart-viewer');
    const server = await spawnServer(pg.url());
    try {
      const deadline = Date.now() + 120_000;
      const pushing = pushAll(() => server.url, token, 'restart', 60, deadline);
      const reading = (async () => {
        const seen = new Map<number, number>();
        let last = 0;
        while (Date.now() < deadline && server.child.exitCode === null) {
          last = (await request(`${server.url}/api/hosts`, { token: viewer })).status;
          seen.set(last, (seen.get(last) ?? 0) + 1);
          if (seen.has(503) && last === 200) break;
          await sleep(50);
        }
        return { seen, last };
      })();
      for (
        let i = 0;
        i < 200 && Number(await pg.psql("SELECT count(*) FROM reports WHERE report_uid ~ '^restart-'")) < 10;
        i++
      ) {
        await sleep(50);
      }
      await pg.stop();
      await sleep(1500);
      await pg.start();
      const [pushed, { seen: read, last }] = await Promise.all([pushing, reading]);
      assert.equal(server.child.exitCode, null, 'the server is still running');
      assert.ok((pushed.statuses.get(503) ?? 0) > 0 || (read.get(503) ?? 0) > 0, 'it answered 503 meanwhile');
      for (const status of [...pushed.statuses.keys(), ...read.keys()]) {
        assert.ok([200, 201, 503].includes(status as number), `only 2xx and 503, saw ${status}`);
      }
      assert.equal(last, 200, 'reads work again');
      assert.equal(
        await pg.psql(
          "SELECT count(*) || ' ' || count(DISTINCT report_uid) FROM reports WHERE report_uid ~ '^restart-'",
        ),
        '60 60',
      );
    } finally {
      await server.stop();
    }
  });

  it('gives the same view from two server processes while agents push to either', async () => {
    const [one, two] = await Promise.all([spawnServer(pg.url()), spawnServer(pg.url())]);
    try {
      const hosts = ['twin1', 'twin2', 'twin3', 'twin4'];
      const tokens = await Promise.all(hosts.map((host) => agentToken(pg.url(), host)));
      const viewer = await readToken(pg.url(), 'twin-viewer');
      const deadline = Date.now() + 60_000;
      await Promise.all(
        hosts.map((host, i) => pushAll(() => (i % 2 ? one : two).url, tokens[i]!, host, 5, deadline)),
      );
      const a = await request(`${one.url}/api/hosts`, { token: viewer });
      const b = await request(`${two.url}/api/hosts`, { token: viewer });
      assert.equal(a.status, 200);
      const stable = (body: { hosts: { name: string; lastSeenAt: string }[] }) =>
        body.hosts.filter((h) => h.name.startsWith('twin'));
      assert.equal(stable(a.body).length, 4);
      assert.deepEqual(stable(a.body), stable(b.body));
      for (const host of hosts) {
        const x = await request(`${one.url}/api/hosts/${host}`, { token: viewer });
        const y = await request(`${two.url}/api/hosts/${host}`, { token: viewer });
        assert.deepEqual(x.body, y.body, host);
        assert.equal(
          x.body.listeners.length,
          reportFor(host, 'quiet').ports.length,
          'the fifth (quiet) report is current',
        );
      }
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
  });
});
