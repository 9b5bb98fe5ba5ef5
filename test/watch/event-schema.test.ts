// The event schema agrees with the events watch makes, and refuses what the contract does not allow.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding, Owner, VerifyReport } from '../../src/model.js';
import { findingEvent, listenerEvent, verifyEvent } from '../../src/watch/events.js';
import { eventProblems } from './event-schema.js';

const owner: Owner = {
  pid: 10,
  ppid: 1,
  name: 'sshd',
  cmdline: ['/usr/sbin/sshd', '-D'],
  exe: '/usr/sbin/sshd',
  exeDeleted: false,
  uid: 0,
  user: 'root',
  startTime: '2026-01-01T00:00:00.000Z',
  unit: 'ssh.service',
  container: null,
};
const finding: Finding = {
  kind: 'hidden-listener',
  severity: 'critical',
  protocol: 'tcp',
  port: 31337,
  address: '127.0.0.1',
  message: 'hidden',
  advice: 'look',
  evidence: [{ witness: 'bind', detail: 'EADDRINUSE' }],
};
const context = { host: 'h', time: '2026-01-01T00:00:00.000Z' };
const listener = { protocol: 'tcp' as const, address: '0.0.0.0', port: 22, owners: [owner] };

describe('event schema', () => {
  it('accepts every kind of event watch makes', () => {
    const report = {
      summary: { critical: 1, warning: 0, notice: 0, info: 2 },
      stats: { startedAt: context.time, endedAt: context.time, elapsedMs: 5, interrupted: false },
    } as VerifyReport;
    const events = [
      listenerEvent('listener-opened', listener, context),
      listenerEvent('listener-closed', listener, context, { openedAt: context.time }),
      listenerEvent('owners-changed', listener, context, { previousOwners: [], openedAt: context.time }),
      findingEvent('finding', finding, [owner], context),
      findingEvent('finding-cleared', finding, [], context),
      verifyEvent(
        report,
        '6f1c1f38-8f4e-4a47-9a55-0e5b8a1d3f10',
        { newFindings: 1, clearedFindings: 0 },
        context,
      ),
    ];
    for (const event of events) assert.deepEqual(eventProblems(event), [], event.type);
    assert.equal(events[3]?.severity, 'critical');
    assert.equal(events[5]?.severity, 'critical');
  });

  it('refuses unknown fields, a finding event without its finding, and a verify event with a port', () => {
    const opened = listenerEvent('listener-opened', listener, context);
    assert.notDeepEqual(eventProblems({ ...opened, extra: 1 }), []);
    assert.notDeepEqual(eventProblems({ ...opened, type: 'finding' }), []);
    assert.notDeepEqual(eventProblems({ ...opened, type: 'owners-changed' }), []);
    assert.notDeepEqual(eventProblems({ ...opened, type: 'verify' }), []);
    assert.notDeepEqual(eventProblems({ ...opened, type: 'port-scanned' }), []);
  });
});
