import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { renderVerifyHtml } from '../../../src/report/verify/verify-html.js';
import { skipUnless } from '../../helpers/needs.js';
import { run } from '../../helpers/netns/netns.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { guideVerifyReport } from '../../helpers/verify-report.js';

let dir: TempDir;

describe('renderVerifyHtml', () => {
  before(async () => {
    dir = await makeTempDir('verify-html');
  });
  after(() => dir.remove());

  const report = guideVerifyReport();
  const html = renderVerifyHtml(report);

  it('parses as HTML without errors (xmllint --html)', {
    skip: skipUnless({ commands: ['xmllint'] }),
  }, async () => {
    const file = await dir.write('verify.html', html);
    const result = await run('xmllint', ['--html', '--noout', file]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
  });

  it('shows the summary, the findings by severity and every port with its owners and verdict', () => {
    for (const severity of ['critical', 'warning', 'notice', 'info'] as const) {
      assert.ok(
        html.includes(`<div class="card ${severity}"><b>${report.summary[severity]}</b>${severity}</div>`),
      );
    }
    assert.ok(report.findings.length > 0);
    for (const finding of report.findings)
      assert.ok(
        html.includes(finding.advice.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')),
      );
    const order = ['critical', 'warning', 'notice', 'info']
      .map((severity) => html.indexOf(`<h3>${severity} (`))
      .filter((at) => at >= 0);
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      'most severe first',
    );
    assert.equal((html.match(/<tr><td>\d+\/tcp<\/td>/g) ?? []).length, report.ports.length);
    assert.match(html, /ypbind\[653,655,656,657\] \(root\)/);
  });

  it('renders a hostile process name as text, with no scripts and nothing fetched', () => {
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[2J'));
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /\u001b/);
    assert.doesNotMatch(html, /(src|href)=|url\(|@import|https?:/i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/);
  });
});
