// Baseline drift, for real: save the approved listeners, then a new listener is critical and a
// vanished one a warning.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { parseBaseline } from '../../src/reconcile/baseline.js';
import { runEarshot } from '../helpers/cli.js';
import { skipUnlessRoot, withNetns } from '../helpers/netns/netns.js';
import { makeTempDir } from '../helpers/tmp.js';
import { findingsOf, verifyIn } from '../helpers/verify-run.js';

describe('earshot baseline save and verify --baseline', () => {
  it('flags a listener added after the save (exit 2) and one that went away (exit 1)', async (t) => {
    if (skipUnlessRoot) return t.skip(skipUnlessRoot);
    const temp = await makeTempDir('baseline');
    try {
      await withNetns('baseline', async (ns) => {
        await ns.listen(['tcp:0.0.0.0:2222']);
        const leaving = await ns.listen(['tcp:0.0.0.0:3333', 'udp:127.0.0.1:3333']);
        const file = `${temp.path}/baseline.yaml`;
        const saved = await runEarshot(['baseline', 'save', file], { netns: ns });
        assert.equal(saved.code, 0, saved.stderr);
        assert.match(saved.stderr, /saved 3 approved listeners/);
        const baseline = parseBaseline(await readFile(file, 'utf8'), file);
        assert.deepEqual(
          baseline.listeners.map((entry) => `${entry.protocol}/${entry.port}/${entry.address}/${entry.user}`),
          ['tcp/2222/0.0.0.0/root', 'tcp/3333/0.0.0.0/root', 'udp/3333/127.0.0.1/root'],
        );
        assert.ok(baseline.listeners.every((entry) => entry.exe === process.execPath));
        const again = await runEarshot(['baseline', 'save', file], { netns: ns });
        assert.equal(again.code, 64, 'an existing baseline is not overwritten without --force');

        const clean = await verifyIn(ns, ['-p', '2000-5000', '--baseline', file]);
        assert.equal(clean.report.findings.filter((f) => f.kind.includes('baseline')).length, 0);

        const newcomer = await ns.listen(['tcp:0.0.0.0:4444']);
        const added = await verifyIn(ns, ['-p', '2000-5000', '--baseline', file]);
        assert.deepEqual(
          findingsOf(added.report, 'not-in-baseline').map((f) => [f.port, f.severity]),
          [[4444, 'critical']],
        );
        assert.equal(added.code, 2);

        newcomer.kill('SIGKILL');
        leaving.kill('SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 200));
        const gone = await verifyIn(ns, ['-p', '2000-5000', '--baseline', file]);
        assert.deepEqual(
          findingsOf(gone.report, 'missing-from-baseline')
            .map((f) => `${f.protocol}/${f.port}/${f.severity}`)
            .sort(),
          ['tcp/3333/warning', 'udp/3333/warning'],
        );
        assert.equal(findingsOf(gone.report, 'not-in-baseline').length, 0);
        assert.equal(gone.code, 1);
      });
    } finally {
      await temp.remove();
    }
  });
});
