// snapshotRows: what the server keeps of a report besides its body. Pure, on the real captures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { snapshotRows } from '../../../src/fleet/server/snapshot-rows.js';
import { fixtureReport } from '../harness.js';

describe('snapshotRows', () => {
  it('makes one listener row per port, with owners named as the other reports name them', () => {
    const report = fixtureReport('listeners');
    const rows = snapshotRows(report);
    assert.equal(rows.listeners.length, report.ports.length);
    const ssh = rows.listeners.find((row) => row.port === 22)!;
    assert.equal(ssh.service, 'ssh');
    assert.match(ssh.owner_names, /^python3\[\d+\] \(root\)$/);
    assert.equal(rows.worst, 'notice');
  });

  it('tells apart two findings of one kind on one endpoint by their message, and drops exact repeats', () => {
    const report = fixtureReport('suspicious');
    const finding = report.findings.find((f) => f.kind === 'suspicious-owner')!;
    report.findings.push({ ...finding, message: `${finding.message} (second owner)` }, { ...finding });
    const rows = snapshotRows(report);
    const same = rows.findings.filter((f) => f.kind === finding.kind && f.port === finding.port);
    assert.equal(same.length, 2);
    assert.notEqual(same[0]!.fingerprint, same[1]!.fingerprint);
    assert.equal(new Set(rows.findings.map((f) => f.fingerprint)).size, rows.findings.length);
    assert.equal(rows.worst, 'warning');
  });

  it('calls a report without findings ok', () => {
    assert.equal(snapshotRows(fixtureReport('quiet')).worst, 'ok');
  });
});
