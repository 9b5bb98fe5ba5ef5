// The history store on a real SQLite file: intervals, the event log and its outbox, findings,
// verify runs, pruning, and history across a close and reopen.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EarshotEvent, Finding, Owner, VerifyReport } from '../../src/model.js';
import { openStore } from '../../src/store/open-store.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

let temp: TempDir;
before(async () => {
  temp = await makeTempDir('store');
});
after(async () => {
  await temp.remove();
});

const owner = (pid: number): Owner => ({
  pid,
  ppid: 1,
  name: 'holder',
  cmdline: ['holder'],
  exe: '/usr/bin/holder',
  exeDeleted: false,
  uid: 0,
  user: 'root',
  startTime: null,
  unit: null,
  container: null,
});

let counter = 0;
const event = (type: EarshotEvent['type'], time: string, port = 80): EarshotEvent => ({
  id: `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
  type,
  time,
  host: 'test',
  severity: 'info',
  protocol: 'tcp',
  port,
  address: '0.0.0.0',
  owners: [],
});

const finding = (port: number): Finding => ({
  kind: 'not-in-baseline',
  severity: 'critical',
  protocol: 'tcp',
  port,
  address: '0.0.0.0',
  message: `port ${port} is not in the baseline`,
  advice: 'add it',
  evidence: [],
});

describe('history store', () => {
  it('keeps an open listener interval, its owner history and events across a reopen', () => {
    const path = `${temp.path}/a/b/earshot.db`;
    const store = openStore(path);
    const id = store.write('t', () =>
      store.listeners.opened({
        protocol: 'tcp',
        address: '0.0.0.0',
        port: 8080,
        inodes: [11],
        owners: [owner(10)],
        openedAt: '2026-01-01T00:00:00.000Z',
      }),
    );
    store.write('t', () =>
      store.listeners.changed(id, {
        inodes: [11],
        owners: [owner(10), owner(12)],
        ownersSince: '2026-01-01T00:01:00.000Z',
      }),
    );
    store.write('t', () =>
      store.events.append(event('listener-opened', '2026-01-01T00:00:00.000Z', 8080), []),
    );
    store.close();
    const again = openStore(path);
    const open = again.listeners.open();
    assert.equal(open.length, 1);
    assert.deepEqual(open[0]?.inodes, [11]);
    assert.deepEqual(
      open[0]?.owners.map((o) => o.pid),
      [10, 12],
    );
    const timeline = again.history({ since: '2025-12-31T00:00:00.000Z' });
    assert.equal(timeline.listeners.length, 1);
    assert.equal(timeline.listeners[0]?.closedAt, null);
    assert.deepEqual(
      timeline.listeners[0]?.ownerHistory.map((entry) => [entry.since, entry.owners.length]),
      [
        ['2026-01-01T00:00:00.000Z', 1],
        ['2026-01-01T00:01:00.000Z', 2],
      ],
    );
    assert.deepEqual(
      timeline.events.map((e) => e.type),
      ['listener-opened'],
    );
    again.write('t', () => again.listeners.closed(id, '2026-01-02T00:00:00.000Z'));
    assert.equal(again.listeners.open().length, 0);
    assert.equal(again.history({ since: '2026-01-03T00:00:00.000Z' }).listeners.length, 0);
    assert.equal(again.history({ since: '2026-01-01T12:00:00.000Z', port: 8080 }).listeners.length, 1);
    assert.equal(again.history({ since: '2026-01-01T12:00:00.000Z', port: 8081 }).listeners.length, 0);
    assert.deepEqual(again.integrityCheck(), ['ok']);
    again.close();
  });

  it('refuses a second open interval for one endpoint', () => {
    const store = openStore(`${temp.path}/unique.db`);
    const listener = {
      protocol: 'udp' as const,
      address: '::',
      port: 53,
      inodes: [1],
      owners: [],
      openedAt: '2026-01-01T00:00:00.000Z',
    };
    store.write('t', () => store.listeners.opened(listener));
    assert.throws(() => store.write('t', () => store.listeners.opened(listener)), { code: 'ERR_STORE_OPEN' });
    store.close();
  });

  it('delivers each sink its events in order, keeps failures first, and survives a reopen', () => {
    const path = `${temp.path}/outbox.db`;
    const store = openStore(path);
    const events = [1, 2, 3].map((n) => event('listener-opened', `2026-01-01T00:00:0${n}.000Z`, n));
    store.write('t', () => {
      for (const e of events) store.events.append(e, ['webhook:a', 'exec:b']);
    });
    assert.equal(store.outbox.pending('webhook:a'), 3);
    const first = store.outbox.next('webhook:a');
    assert.equal(first?.event.id, events[0]?.id);
    store.write('t', () => store.outbox.failed('webhook:a', first!.seq, 'ECONNREFUSED'));
    const retry = store.outbox.next('webhook:a');
    assert.equal(retry?.event.id, events[0]?.id, 'a failed event stays first');
    assert.equal(retry?.attempts, 1);
    assert.equal(retry?.lastError, 'ECONNREFUSED');
    store.write('t', () => store.outbox.delivered('webhook:a', retry!.seq, '2026-01-01T00:00:05.000Z'));
    store.close();
    const again = openStore(path);
    assert.equal(again.outbox.next('webhook:a')?.event.id, events[1]?.id);
    assert.equal(again.outbox.pending('webhook:a'), 2);
    assert.equal(again.outbox.next('exec:b')?.event.id, events[0]?.id, 'each sink has its own queue');
    assert.equal(again.outbox.next('syslog:c'), null);
    again.close();
  });

  it('keeps finding intervals and verify runs, and prunes what ended before the retention', () => {
    const store = openStore(`${temp.path}/findings.db`);
    const id = store.write('t', () => store.findings.found('watch', finding(22), '2026-01-01T00:00:00.000Z'));
    store.write('t', () => store.findings.found('watch', finding(23), '2026-01-01T00:00:00.000Z'));
    store.write('t', () => store.findings.seen(id, finding(22), '2026-01-01T00:15:00.000Z'));
    assert.equal(store.findings.open('watch').length, 2);
    const other = store.findings.open('watch').find((f) => f.finding.port === 23)!;
    store.write('t', () => store.findings.cleared(other.id, '2026-01-01T00:15:00.000Z'));
    assert.deepEqual(
      store.findings.open('watch').map((f) => f.finding.port),
      [22],
    );
    const history = store.history({ since: '2025-01-01T00:00:00.000Z' }).findings;
    assert.deepEqual(
      history.map((f) => [f.port, f.firstSeenAt, f.lastSeenAt, f.clearedAt]),
      [
        [22, '2026-01-01T00:00:00.000Z', '2026-01-01T00:15:00.000Z', null],
        [23, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:15:00.000Z'],
      ],
    );
    const report = {
      kind: 'verify',
      stats: { startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:01.000Z' },
    } as VerifyReport;
    const runId = store.write('t', () => store.verifyRuns.save(report, 'verify'));
    assert.equal(store.verifyRuns.get(runId)?.report.kind, 'verify');
    assert.equal(store.verifyRuns.latest()?.id, runId);
    store.write('t', () => store.events.append(event('finding', '2026-01-01T00:00:00.000Z'), ['webhook:a']));
    const pruned = store.prune('2026-01-01T00:20:00.000Z');
    assert.deepEqual(pruned, { listeners: 0, events: 1, findings: 1, verifyRuns: 1 });
    assert.equal(store.findings.open('watch').length, 1, 'an open finding is never pruned');
    assert.equal(store.outbox.pending('webhook:a'), 0, 'a pruned event leaves the outbox with it');
    store.close();
  });

  it('keeps an in-memory store for callers that want no file', () => {
    const store = openStore(':memory:');
    store.write('t', () => store.events.append(event('verify', '2026-01-01T00:00:00.000Z'), ['x']));
    assert.equal(store.outbox.pending('x'), 1);
    store.close();
    store.close();
  });
});
