// The verify HTML report in a real browser: Debian's headless Chromium, driven by playwright-core.
// It must show the findings, log no console errors, fetch nothing, and render a hostile process
// name as text.
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { renderVerifyHtml } from '../../../src/report/verify/verify-html.js';
import { skipUnless } from '../../helpers/needs.js';
import { CHROMIUM, launchChromium } from '../../helpers/oracles/chromium.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { guideVerifyReport, HOSTILE_NAME } from '../../helpers/verify-report.js';

const skip = skipUnless({ files: [CHROMIUM] });

describe('verify HTML in headless Chromium', { skip }, () => {
  let dir: TempDir;
  before(async () => {
    dir = await makeTempDir('verify-html-browser');
  });
  after(() => dir?.remove());

  it('shows the findings as text, with no console errors, no requests and no script run', async () => {
    const report = guideVerifyReport();
    const file = await dir.write('verify.html', renderVerifyHtml(report));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const consoleErrors: string[] = [];
      const requests: string[] = [];
      let dialogs = 0;
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => consoleErrors.push(error.message));
      page.on('request', (request) => requests.push(request.url()));
      page.on('dialog', async (dialog) => {
        dialogs++;
        await dialog.dismiss();
      });
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: 'load', timeout: 30_000 });

      const text = (await page.locator('body').textContent()) ?? '';
      for (const finding of report.findings) assert.ok(text.includes(finding.kind), `${finding.kind} shown`);
      assert.ok(text.includes('ypbind[653,655,656,657]'), 'the owner group is shown');
      assert.ok(text.includes('<script>alert(1)</script>'), 'the hostile name is shown as text');
      assert.equal(await page.locator('script').count(), 0, 'no script element made it into the page');
      assert.equal(dialogs, 0);
      assert.deepEqual(consoleErrors, []);
      assert.deepEqual(
        requests.filter((request) => request !== url),
        [],
        'the page fetches nothing',
      );
      assert.ok(!text.includes(HOSTILE_NAME.slice(-4)), 'the terminal escape is not passed through raw');

      const screenshot = `${dir.path}/verify.png`;
      await page.screenshot({ path: screenshot, fullPage: true });
      assert.ok((await stat(screenshot)).size > 10_000, 'a screenshot of the rendered report was taken');
    } finally {
      await browser.close();
    }
  });
});
