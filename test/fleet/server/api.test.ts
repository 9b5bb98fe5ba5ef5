// The HTTP API against a real PostgreSQL: a snapshot and events in, the read API out; every
// refusal (401, 403, 400 with the bad field's path, 413, 429) and idempotent retries.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { revokeTokens } from '../../../src/fleet/server/auth/tokens.js';
import type { RunningServer } from '../../../src/fleet/server/server.js';
import { skipUnlessPostgres, startTestPostgres, type TestPostgres } from '../../helpers/daemons/postgres.js';
import { owner } from '../../reconcile/scene.js';
import {
  agentToken,
  eventFor,
  readToken,
  reportFor,
  request,
  snapshot,
  startTestServer,
  withPool,
} from '../harness.js';

describe('fleet server API', { skip: skipUnlessPostgres }, () => {
  let pg: TestPostgres;
  let server: RunningServer;
  let db: string;
  let alpha: string;
  let beta: string;
  let viewer: string;
  let admin: string;
  before(async () => {
    pg = await startTestPostgres();
    db = pg.url();
    server = await startTestServer(db, { rateLimitPerMinute: 1000 });
    [alpha, beta, viewer, admin] = await Promise.all([
      agentToken(db, 'alpha'),
      agentToken(db, 'beta'),
      readToken(db, 'grafana'),
      readToken(db, 'oncall', 'admin'),
    ]);
  });
  after(async () => {
    await server?.close();
    await pg?.remove();
  });
  const api = (path: string) => `${server.url}${path}`;

  it('stores a snapshot once, and shows its listeners, findings and host summary', async () => {
    const body = snapshot(reportFor('alpha'));
    const first = await request(api('/api/agent/report'), { token: alpha, body });
    assert.equal(first.status, 201, first.text);
    assert.deepEqual(first.body, { reportId: body.reportId, outcome: 'stored' });
    const retry = await request(api('/api/agent/report'), { token: alpha, body });
    assert.equal(retry.status, 200);
    assert.equal(retry.body.outcome, 'duplicate');
    assert.equal(
      await pg.psql("SELECT count(*) FROM reports r JOIN hosts h ON h.id = r.host_id WHERE h.name = 'alpha'"),
      '1',
    );

    const host = await request(api('/api/hosts/alpha'), { token: viewer });
    assert.equal(host.status, 200, host.text);
    const ports = body.report.ports.map((p) => `${p.port}/${p.protocol}`).sort();
    assert.deepEqual(
      host.body.listeners.map((l: { port: number; protocol: string }) => `${l.port}/${l.protocol}`).sort(),
      ports,
    );
    assert.equal(host.body.listenerCount, body.report.ports.length);
    assert.equal(host.body.worstVerdict, 'notice');
    assert.equal(host.body.silent, false);
    assert.deepEqual(
      host.body.findings.map((f: { kind: string; port: number }) => `${f.kind} ${f.port}`).sort(),
      body.report.findings.map((f) => `${f.kind} ${f.port}`).sort(),
    );
    assert.ok(host.body.changes.every((c: { change: string }) => c.change === 'first-seen'));
    const owners = host.body.listeners.find((l: { port: number }) => l.port === 834).ownerNames;
    assert.match(owners, /^python3\[\d+\] \(root\)$/);

    const hosts = await request(api('/api/hosts'), { token: viewer });
    const alphaRow = hosts.body.hosts.find((h: { name: string }) => h.name === 'alpha');
    assert.equal(alphaRow.lastReportAt, new Date(body.report.stats.endedAt).toISOString());
    // beta has a token but never reported: silent, listed first.
    assert.equal(hosts.body.hosts[0].name, 'beta');
    assert.equal(hosts.body.hosts[0].silent, true);
    assert.equal(hosts.body.hosts[0].worstVerdict, 'unknown');
  });

  it('records listeners that open and close between reports, and never rolls back to an older report', async () => {
    const t0 = Date.now();
    const base = reportFor('beta', 'quiet', new Date(t0).toISOString());
    assert.equal(
      (await request(api('/api/agent/report'), { token: beta, body: snapshot(base) })).status,
      201,
    );
    const busy = reportFor('beta', 'listeners', new Date(t0 + 1000).toISOString());
    assert.equal(
      (await request(api('/api/agent/report'), { token: beta, body: snapshot(busy) })).status,
      201,
    );
    const late = reportFor('beta', 'quiet', new Date(t0 + 500).toISOString());
    const older = await request(api('/api/agent/report'), { token: beta, body: snapshot(late) });
    assert.equal(older.body.outcome, 'stored-older');
    const host = (await request(api('/api/hosts/beta'), { token: viewer })).body;
    assert.equal(host.listeners.length, busy.ports.length, 'the older report did not replace the newer one');
    const opened = host.changes.filter((c: { change: string }) => c.change === 'opened');
    assert.equal(opened.length, busy.ports.length);

    const quietAgain = reportFor('beta', 'quiet', new Date(t0 + 2000).toISOString());
    await request(api('/api/agent/report'), { token: beta, body: snapshot(quietAgain) });
    const after = (await request(api('/api/hosts/beta'), { token: viewer })).body;
    assert.equal(after.listeners.length, 0);
    assert.equal(
      after.changes.filter((c: { change: string }) => c.change === 'closed').length,
      busy.ports.length,
    );
    assert.equal(after.findings.length, 0, 'findings of the closed listeners cleared');
    const cleared = await request(api('/api/findings?host=beta&open=false'), { token: viewer });
    assert.equal(cleared.body.findings.length, busy.findings.length);
  });

  it('answers who listens on a port across the fleet', async () => {
    const answer = await request(api('/api/ports/834?protocol=tcp'), { token: viewer });
    assert.equal(answer.status, 200);
    assert.deepEqual(
      answer.body.listeners.map((l: { host: string }) => l.host),
      ['alpha'],
    );
    assert.equal(
      (await request(api('/api/ports/834?protocol=udp'), { token: viewer })).body.listeners.length,
      0,
    );
    const bad = await request(api('/api/ports/70000'), { token: viewer });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.path, '/querystring/port');
  });

  it('stores events once each, in order, and lists them since a time', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const events = [0, 1, 2].map((n) => {
      const event = eventFor('alpha', { time: new Date(Date.now() + n).toISOString(), port: 9000 + n });
      return { eventId: event.id, event };
    });
    const first = await request(api('/api/agent/events'), { token: alpha, body: { host: 'alpha', events } });
    assert.equal(first.status, 201, first.text);
    assert.deepEqual(first.body, { received: 3, stored: 3 });
    const again = await request(api('/api/agent/events'), { token: alpha, body: { events } });
    assert.deepEqual(again.body, { received: 3, stored: 0 });
    const listed = await request(api(`/api/events?since=${encodeURIComponent(since)}&host=alpha`), {
      token: viewer,
    });
    assert.deepEqual(
      listed.body.events.map((e: { event: { port: number } }) => e.event.port),
      [9000, 9001, 9002],
    );
  });

  it('answers with a process name holding U+009B and U+202E written as \\u escapes', async () => {
    // U+009B is a one-character CSI on many terminals, U+202E reverses what follows it.
    const name = 'ev\u009bil\u202efdp';
    const since = new Date(Date.now() - 1000).toISOString();
    const event = eventFor('beta', { port: 9100, owners: [owner(4242, name, `/usr/bin/${name}`)] });
    const pushed = await request(api('/api/agent/events'), {
      token: beta,
      body: { events: [{ eventId: event.id, event }] },
    });
    assert.equal(pushed.status, 201, pushed.text);
    const listed = await request(api(`/api/events?since=${encodeURIComponent(since)}&host=beta`), {
      token: viewer,
    });
    assert.equal(listed.status, 200, listed.text);
    assert.doesNotMatch(
      listed.text,
      /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/,
    );
    assert.match(listed.text, /"name":"ev\\u009bil\\u202efdp"/);
    assert.match(listed.text, /"exe":"\/usr\/bin\/ev\\u009bil\\u202efdp"/);
    const owners = listed.body.events.find((item: { event: { port: number } }) => item.event.port === 9100)
      ?.event.owners as { name: string }[];
    assert.deepEqual(
      owners.map((held) => held.name),
      [name],
      'the JSON parses back to the very name',
    );
  });

  it('acknowledges a finding for admins only, keeping who and when', async () => {
    const open = await request(api('/api/findings?host=alpha&open=true'), { token: viewer });
    const id = open.body.findings[0].id;
    const denied = await request(api(`/api/findings/${id}/ack`), { method: 'POST', token: viewer });
    assert.equal(denied.status, 403);
    const acked = await request(api(`/api/findings/${id}/ack`), { method: 'POST', token: admin });
    assert.equal(acked.status, 200, acked.text);
    assert.equal(acked.body.ackedBy, 'oncall');
    assert.ok(Date.parse(acked.body.ackedAt) > Date.now() - 60_000);
    const listed = await request(api('/api/findings?host=alpha&acked=true'), { token: viewer });
    assert.deepEqual(
      listed.body.findings.map((f: { id: string }) => f.id),
      [id],
    );
    assert.equal(
      (await request(api('/api/findings/999999/ack'), { method: 'POST', token: admin })).status,
      404,
    );
  });

  it('answers 401 to a missing, malformed, wrong or revoked token', async () => {
    assert.equal((await request(api('/api/hosts'))).status, 401);
    assert.equal(
      (await request(api('/api/hosts'), { headers: { authorization: 'Basic eDp5' } })).status,
      401,
    );
    const wrong = await request(api('/api/hosts'), { token: `${viewer}x` });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'unauthenticated');
    const doomed = await readToken(db, 'doomed');
    assert.equal((await request(api('/api/hosts'), { token: doomed })).status, 200);
    await withPool(db, (pool) => revokeTokens(pool, 'doomed'));
    assert.equal((await request(api('/api/hosts'), { token: doomed })).status, 401);
    const push = await request(api('/api/agent/report'), {
      token: 'es_agent_nothing',
      body: snapshot(reportFor('alpha')),
    });
    assert.equal(push.status, 401);
  });

  it('answers 403 to an agent token on the read API, a body naming another host, and a reader pushing', async () => {
    const stored = await pg.psql('SELECT count(*) FROM reports');
    assert.equal((await request(api('/api/hosts'), { token: alpha })).status, 403);
    assert.equal((await request(api('/api/findings'), { token: alpha })).status, 403);
    const other = await request(api('/api/agent/report'), {
      token: alpha,
      body: snapshot(reportFor('beta')),
    });
    assert.equal(other.status, 403);
    assert.equal(other.body.error.code, 'wrong-host');
    assert.match(other.body.error.message, /names host "beta", but this token belongs to "alpha"/);
    const event = eventFor('alpha');
    const namedBeta = await request(api('/api/agent/events'), {
      token: alpha,
      body: { host: 'beta', events: [{ eventId: event.id, event }] },
    });
    assert.equal(namedBeta.status, 403);
    assert.equal(namedBeta.body.error.path, '/host');
    const betaEvent = eventFor('beta');
    const eventOfBeta = await request(api('/api/agent/events'), {
      token: alpha,
      body: {
        events: [
          { eventId: event.id, event },
          { eventId: betaEvent.id, event: betaEvent },
        ],
      },
    });
    assert.equal(eventOfBeta.status, 403);
    assert.equal(eventOfBeta.body.error.code, 'wrong-host');
    assert.equal(eventOfBeta.body.error.path, '/events/1/event');
    assert.equal(
      (await request(api('/api/agent/report'), { token: viewer, body: snapshot(reportFor('alpha')) })).status,
      403,
    );
    assert.equal(await pg.psql('SELECT count(*) FROM reports'), stored, 'nothing refused was stored');
  });

  it('answers 400 with the path of the bad field to malformed JSON and schema violations', async () => {
    const malformed = await request(api('/api/agent/report'), {
      token: alpha,
      body: '{"reportId": "x", "report": ',
    });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'invalid-json');
    const report = reportFor('alpha');
    (report.ports[0] as { port: number }).port = 70000;
    const bad = await request(api('/api/agent/report'), { token: alpha, body: snapshot(report) });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.path, '/report/ports/0/port');
    assert.match(bad.body.error.message, /must be <= 65535/);
    const extra = await request(api('/api/agent/report'), {
      token: alpha,
      body: { ...snapshot(reportFor('alpha')), surprise: 1 },
    });
    assert.equal(extra.body.error.path, '/');
    assert.match(extra.body.error.message, /"surprise"/);
    const noId = await request(api('/api/agent/report'), {
      token: alpha,
      body: { reportId: 'a b', report: reportFor('alpha') },
    });
    assert.equal(noId.body.error.path, '/reportId');
    const badEvent = await request(api('/api/agent/events'), {
      token: alpha,
      body: {
        events: [{ eventId: 'e1', event: { ...eventFor('alpha'), type: 'listener-exploded' } }],
      },
    });
    assert.equal(badEvent.status, 400);
    assert.equal(badEvent.body.error.path, '/events/0/event/type');
  });

  it('answers 413 to a body over 2 MB, without storing it', async () => {
    const report = reportFor('alpha');
    report.args = ['x'.repeat(2 * 1024 * 1024)];
    const big = await request(api('/api/agent/report'), { token: alpha, body: snapshot(report, 'too-big') });
    assert.equal(big.status, 413);
    assert.equal(big.body.error.code, 'body-too-large');
    assert.equal(await pg.psql("SELECT count(*) FROM reports WHERE report_uid = 'too-big'"), '0');
  });

  it('bounds the requests per token and minute (429 with Retry-After), whichever process counts', async () => {
    const limited = await startTestServer(db, { rateLimitPerMinute: 5 });
    const twin = await startTestServer(db, { rateLimitPerMinute: 5 });
    try {
      const token = await readToken(db, 'eager');
      // Past the top of a minute the window would restart mid-test: start in a fresh one.
      if (60_000 - (Date.now() % 60_000) < 5_000) await new Promise((resolve) => setTimeout(resolve, 6_000));
      const statuses: number[] = [];
      // Alternating between two servers: the count lives in PostgreSQL, so both see all seven.
      for (let i = 0; i < 7; i++) {
        statuses.push((await request(`${(i % 2 ? twin : limited).url}/api/hosts`, { token })).status);
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
      const refused = await request(`${limited.url}/api/hosts`, { token });
      assert.equal(refused.body.error.code, 'rate-limited');
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    } finally {
      await Promise.all([limited.close(), twin.close()]);
    }
  });

  it('serves its OpenAPI description, built from the published schemas', async () => {
    const doc = await request(api('/api/openapi.json'));
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    assert.equal(
      doc.body.components.schemas.VerifyReport.$id,
      'https://earshot.invalid/schema/earshot-verify.schema.json',
    );
    assert.ok(doc.body.paths['/api/agent/report'].post.responses['413']);
    const committed = JSON.parse(
      readFileSync(new URL('../../../docs/fleet/openapi.json', import.meta.url), 'utf8'),
    );
    assert.deepEqual(
      doc.body,
      committed,
      'docs/fleet/openapi.json is current (node --import tsx scripts/fleet-openapi.ts)',
    );
  });

  it('sends a Content-Security-Policy without unsafe-inline on every reply', async () => {
    for (const path of ['/api/openapi.json', '/login', '/api/hosts', '/nowhere']) {
      const reply = await request(api(path));
      const csp = reply.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/, path);
      assert.doesNotMatch(csp, /unsafe-inline/, path);
    }
  });
});
