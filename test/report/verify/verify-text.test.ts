import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { overallLevel } from '../../../src/reconcile/findings.js';
import { renderVerifyText } from '../../../src/report/verify/verify-text.js';
import { guideVerifyReport } from '../../helpers/verify-report.js';

describe('renderVerifyText', () => {
  const report = guideVerifyReport();
  const text = renderVerifyText(report, { colors: false, verdict: overallLevel(report) });

  it('shows every port with its owner group, then the findings, most severe first', () => {
    assert.match(text, /^PORT\s+ADDRESS\s+NETWORK\s+SERVICE\s+OWNERS\s+USER\s+VERDICT\s+WHY$/m);
    assert.match(text, /^834\/tcp\s+0\.0\.0\.0\s+open\s+.*ypbind\[653,655,656,657\]/m);
    const severities = [...text.matchAll(/^(CRITICAL|WARNING|NOTICE|INFO)\s/gm)].map((m) => m[1]);
    const rank = { CRITICAL: 0, WARNING: 1, NOTICE: 2, INFO: 3 } as Record<string, number>;
    assert.ok(severities.length > 0);
    assert.deepEqual(
      severities,
      [...severities].sort((a, b) => rank[a!]! - rank[b!]!),
    );
    assert.match(text, /^CRITICAL hidden-listener\s+31337\/tcp/m);
  });

  it('lets nothing a process named itself reach the terminal raw', () => {
    assert.equal(text.includes('\u001b'), false, 'no escape character in the output');
    assert.ok(text.includes('\\x1b[2J'), 'the escape is shown escaped');
  });

  it('counts the ports judged, in the singular for one', () => {
    assert.match(text, new RegExp(`— ${report.ports.length} ports judged in 5\\.50 s\\n$`));
    const one = { ...report, ports: report.ports.slice(0, 1) };
    assert.match(
      renderVerifyText(one, { colors: false, verdict: overallLevel(one) }),
      /— 1 port judged in 5\.50 s\n$/,
    );
  });
});
