// Every SQL statement is parameterized: hostile strings in each place a request carries text (a host
// name in the URL, query parameters, a finding id, a token, a session cookie, a login name, names at
// token and user creation, the bodies agents push) get a 4xx or an empty answer, never a 500; the
// tables keep their rows; text that is valid data is stored and returned verbatim. PostgreSQL itself
// is the oracle (log_statement = all): no statement's text holds a hostile string, and those that
// reached the database arrived as parameters.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { issueToken, revokeTokens } from '../../../src/fleet/server/auth/tokens.js';
import { addUser } from '../../../src/fleet/server/auth/users.js';
import type { RunningServer } from '../../../src/fleet/server/server.js';
import { runEarshot } from '../../helpers/cli.js';
import { skipUnlessPostgres, startTestPostgres, type TestPostgres } from '../../helpers/daemons/postgres.js';
import {
  agentToken,
  eventFor,
  type Reply,
  readToken,
  reportFor,
  request,
  snapshot,
  startTestServer,
  user,
  withPool,
} from '../harness.js';

const HOSTILE = [
  "x'); DROP TABLE hosts;--",
  "' OR '1'='1",
  "alpha' OR 'x'='x",
  '1; DELETE FROM findings; --',
  '$1) OR (1=1',
  "\\'; SELECT pg_sleep(10);--",
];
type RequestOptions = Parameters<typeof request>[1];

// A host name the name rules allow that is also SQL: a comment in the middle.
const SQLISH_HOST = 'robert--drop.table_hosts';

/** PostgreSQL's log as entries (a line with the prefix, then its continuation lines). */
function logEntries(path: string): string[] {
  const entries: string[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const prefixed = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[\d+\] (.*)$/.exec(line);
    if (prefixed) entries.push(prefixed[1]!);
    else if (entries.length > 0) entries[entries.length - 1] += `\n${line}`;
  }
  return entries;
}

describe('fleet server: every SQL statement is parameterized', { skip: skipUnlessPostgres }, () => {
  let pg: TestPostgres;
  let server: RunningServer;
  let db: string;
  let alpha: string;
  let sqlish: string;
  let viewer: string;
  let admin: string;
  const replies: { what: string; reply: Reply }[] = [];
  const api = (path: string) => `${server.url}${path}`;
  const ask = async (what: string, path: string, options: RequestOptions = {}) => {
    const reply = await request(api(path), options);
    replies.push({ what, reply });
    return reply;
  };
  const rowCounts = async () => {
    const counts: Record<string, string> = {};
    for (const table of ['hosts', 'findings', 'events', 'reports', 'listeners', 'tokens']) {
      counts[table] = await pg.psql(`SELECT count(*) FROM ${table}`);
    }
    return counts;
  };

  before(async () => {
    pg = await startTestPostgres({ log_statement: "'all'" });
    db = pg.url();
    server = await startTestServer(db, { rateLimitPerMinute: 100_000 });
    [alpha, sqlish, viewer, admin] = await Promise.all([
      agentToken(db, 'alpha'),
      agentToken(db, SQLISH_HOST),
      readToken(db, 'grafana'),
      readToken(db, 'oncall', 'admin'),
    ]);
    await user(db, 'ops', 'admin', 'a long enough password');
  });
  after(async () => {
    await server?.close();
    await pg?.remove();
  });

  it('stores hostile text that is valid data verbatim, and a host name holding SQL', async () => {
    const report = reportFor('alpha');
    const row = report.ports.find((port) => port.port === 834)!;
    row.owners[0]!.name = HOSTILE[0]!;
    // Escapes that look like what the database cannot store, and a pair of surrogates, are data too.
    const cmdline = [...HOSTILE, '\\u0000 is six characters', 'a paired surrogate: \u{1F980}'];
    row.owners[0]!.cmdline = cmdline;
    report.findings[0]!.message = HOSTILE[1]!;
    const stored = await ask('hostile snapshot', '/api/agent/report', {
      token: alpha,
      body: snapshot(report),
    });
    assert.equal(stored.status, 201, stored.text);
    const event = eventFor('alpha', { port: 7001, address: HOSTILE[2]! });
    const pushed = await ask('hostile event', '/api/agent/events', {
      token: alpha,
      body: { events: [{ eventId: event.id, event }] },
    });
    assert.equal(pushed.status, 201, pushed.text);

    const host = (await ask('alpha', '/api/hosts/alpha', { token: viewer })).body;
    const listener = host.listeners.find((l: { port: number }) => l.port === 834);
    assert.equal(listener.owners[0].name, HOSTILE[0]);
    assert.deepEqual(listener.owners[0].cmdline, cmdline);
    assert.ok(listener.ownerNames.startsWith(`${HOSTILE[0]}[`), listener.ownerNames);
    assert.ok(host.findings.some((f: { message: string }) => f.message === HOSTILE[1]));
    const events = await ask('events', '/api/events?host=alpha&since=2000-01-01', { token: viewer });
    assert.ok(events.body.events.some((e: { event: { address: string } }) => e.event.address === HOSTILE[2]));

    const sqlishReport = reportFor(SQLISH_HOST);
    const sqlishStored = await ask('sql-ish host', '/api/agent/report', {
      token: sqlish,
      body: snapshot(sqlishReport),
    });
    assert.equal(sqlishStored.status, 201, sqlishStored.text);
    const named = await ask('sql-ish host', `/api/hosts/${encodeURIComponent(SQLISH_HOST)}`, {
      token: viewer,
    });
    assert.equal(named.status, 200, named.text);
    assert.equal(named.body.name, SQLISH_HOST);
    assert.equal(named.body.listeners.length, sqlishReport.ports.length);
    const hosts = (await ask('hosts', '/api/hosts', { token: viewer })).body.hosts;
    assert.deepEqual(hosts.map((h: { name: string }) => h.name).sort(), ['alpha', SQLISH_HOST].sort());
  });

  it('answers hostile names, filters, ids, tokens and logins with 4xx or nothing, and loses no row', async () => {
    const before = await rowCounts();
    assert.ok(Number(before.findings) > 0 && Number(before.events) > 0, JSON.stringify(before));
    const login = await request(api('/login'), {
      body: 'name=ops&password=a+long+enough+password',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const cookie = /earshot_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0];
    assert.ok(cookie, `logged in: ${login.status}`);
    const page = await request(api('/findings'), { headers: { cookie } });
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
    assert.ok(csrf, 'the page carries a CSRF token');

    for (const hostile of HOSTILE) {
      const q = encodeURIComponent(hostile);
      const expect = async (statuses: number[], what: string, path: string, options: RequestOptions = {}) => {
        const reply = await ask(`${what} ${hostile}`, path, options);
        assert.ok(
          statuses.includes(reply.status),
          `${what} ${hostile}: ${reply.status} ${reply.text.slice(0, 200)}`,
        );
        return reply;
      };
      const reader = { token: viewer };
      await expect([404], 'host name', `/api/hosts/${q}`, reader);
      const findings = await expect([200], 'findings of host', `/api/findings?host=${q}`, reader);
      assert.deepEqual(findings.body.findings, []);
      const events = await expect([200], 'events of host', `/api/events?host=${q}&since=2000-01-01`, reader);
      assert.deepEqual(events.body.events, []);
      for (const name of ['severity', 'open', 'acked', 'limit']) {
        const bad = await expect([400], name, `/api/findings?${name}=${q}`, reader);
        assert.equal(bad.body.error.path, `/querystring/${name}`);
      }
      await expect([400], 'since', `/api/events?since=${q}`, reader);
      await expect([400], 'protocol', `/api/ports/834?protocol=${q}`, reader);
      await expect([400, 404], 'port', `/api/ports/${q}`, reader);
      await expect([400, 404], 'finding id', `/api/findings/${q}/ack`, { method: 'POST', token: admin });
      await expect([401], 'token', '/api/hosts', { token: hostile.replace(/\s/g, '') });
      await expect([401], 'session', '/api/hosts', { headers: { cookie: `earshot_session=${q}` } });
      await expect([401], 'login name', '/login', {
        body: `name=${q}&password=${q}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const session = { headers: { cookie } };
      await expect([404], 'host page', `/hosts/${q}`, session);
      await expect([400], 'severity page', `/findings?severity=${q}`, session);
      await expect([400, 404], 'port page', `/ports/${q}`, session);
      await expect([400, 404], 'ack form', `/findings/${q}/ack`, {
        ...session,
        body: `csrf=${encodeURIComponent(csrf)}&back=%2Ffindings`,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      });
      const pushed = await expect([400], 'report id', '/api/agent/report', {
        token: alpha,
        body: snapshot(reportFor('alpha'), hostile),
      });
      assert.equal(pushed.body.error.path, '/reportId');
      const event = eventFor('alpha');
      await expect([400], 'event id', '/api/agent/events', {
        token: alpha,
        body: { events: [{ eventId: hostile, event }] },
      });
      await expect([400, 403], 'hostname in a report', '/api/agent/report', {
        token: alpha,
        body: snapshot(reportFor(hostile)),
      });
      await expect([403], 'host of events', '/api/agent/events', {
        token: alpha,
        body: { host: hostile, events: [{ eventId: event.id, event }] },
      });

      // Names at token and user creation are checked before any SQL; revoking looks the name up.
      await withPool(db, async (pool) => {
        await assert.rejects(issueToken(pool, 'agent', hostile), { code: 'ERR_OPTION' });
        await assert.rejects(issueToken(pool, 'viewer', hostile), { code: 'ERR_OPTION' });
        await assert.rejects(addUser(pool, hostile, 'admin', 'a long enough password'), {
          code: 'ERR_OPTION',
        });
        await assert.rejects(revokeTokens(pool, hostile), /No live token was made for/);
      });
    }
    // Text PostgreSQL cannot hold (U+0000, an unpaired surrogate) is refused before it gets there.
    const refused = async (what: string, path: string, options: RequestOptions, at: string) => {
      const reply = await ask(what, path, options);
      assert.equal(reply.status, 400, `${what}: ${reply.text.slice(0, 200)}`);
      assert.equal(reply.body.error.path, at, what);
      assert.match(reply.body.error.message, /NUL character \(U\+0000\) or an unpaired UTF-16 surrogate/);
    };
    await refused('NUL in a host name', '/api/hosts/x%00y', { token: viewer }, '/querystring/name');
    await refused('NUL in a filter', '/api/findings?host=x%00y', { token: viewer }, '/querystring/host');
    await refused('NUL in a page URL', '/hosts/x%00y', { headers: { cookie } }, '/querystring/name');
    await refused(
      'NUL in a login name',
      '/login',
      { body: 'name=x%00y&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      '/name',
    );
    const withNul = reportFor('alpha');
    withNul.ports[1]!.owners = [
      { ...withNul.ports.find((port) => port.owners.length > 0)!.owners[0]!, name: 'x\u0000y' },
    ];
    await refused(
      'NUL in a report',
      '/api/agent/report',
      { token: alpha, body: snapshot(withNul) },
      '/report/ports/1/owners/0/name',
    );
    const unpaired = reportFor('alpha');
    unpaired.findings[1]!.message = 'half a pair: \ud83e';
    await refused(
      'an unpaired surrogate',
      '/api/agent/report',
      { token: alpha, body: snapshot(unpaired) },
      '/report/findings/1/message',
    );
    const event = eventFor('alpha', { address: 'x\u0000y' });
    await refused(
      'NUL in an event',
      '/api/agent/events',
      { token: alpha, body: { events: [{ eventId: event.id, event }] } },
      '/events/0/event/address',
    );

    const cli = await runEarshot(['server', 'token', '--db', db, '--agent', HOSTILE[0]!]);
    assert.equal(cli.code, 64, cli.stderr);
    assert.match(cli.stderr, /Invalid host name/);

    const failed = replies.filter(({ reply }) => reply.status >= 500);
    assert.deepEqual(
      failed.map(({ what, reply }) => `${what}: ${reply.status}`),
      [],
    );
    const afterwards = await rowCounts();
    assert.deepEqual(afterwards, before, 'every table keeps its rows');
    assert.equal(await pg.psql('SELECT count(*) FROM findings WHERE acked_at IS NOT NULL'), '0');
    assert.equal(await pg.psql('SELECT count(*) FROM tokens WHERE revoked_at IS NOT NULL'), '0');
  });

  it("PostgreSQL's own log: no statement holds a hostile string; they arrived as parameters", () => {
    const entries = logEntries(join(pg.dir, 'server.log'));
    const statements = entries.filter((entry) =>
      /^(LOG: {2}(statement|execute [^:]*):|STATEMENT: )/.test(entry),
    );
    const parameters = entries.filter((entry) => entry.startsWith('DETAIL:  parameters:'));
    assert.ok(statements.length > 50 && parameters.length > 50, `${statements.length} statements logged`);
    const quoted = (text: string) => `'${text.replaceAll("'", "''")}'`;
    for (const hostile of [...HOSTILE, SQLISH_HOST]) {
      const inText = statements.filter((entry) => entry.includes(hostile) || entry.includes(quoted(hostile)));
      assert.deepEqual(inText, [], `"${hostile}" is in no statement's text`);
      assert.ok(
        parameters.some((entry) => entry.includes(quoted(hostile))),
        `"${hostile}" reached PostgreSQL as a parameter`,
      );
    }
  });
});
