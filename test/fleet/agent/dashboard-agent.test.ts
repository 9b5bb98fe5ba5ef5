// The dashboard with a real agent behind it, in Debian's headless Chromium: log in, open the host the
// agent reports, open a listener on that host, and see it appear: first in the timeline (the agent's
// event, within seconds), then in the listeners table (its next snapshot). A process name holding
// HTML shows as text. Screenshots go to tmp/fleet-screenshots/ (git-ignored).
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../../src/fleet/server/server.js';
import { skipUnlessPostgres, startTestPostgres, type TestPostgres } from '../../helpers/daemons/postgres.js';
import { skipUnless } from '../../helpers/needs.js';
import { waitForLine, withNetns } from '../../helpers/netns/netns.js';
import { CHROMIUM, launchChromium } from '../../helpers/oracles/chromium.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { anchorPid } from '../../watch/harness.js';
import { agentToken, startTestServer, user } from '../harness.js';
import { eventually, HOST, testAgent } from './harness.js';

const SHOTS = fileURLToPath(new URL('../../../tmp/fleet-screenshots/', import.meta.url));
const holder = fileURLToPath(new URL('../../helpers/netns/holder.py', import.meta.url));
const skip = skipUnlessPostgres || skipUnless({ root: true, commands: ['python3'], files: [CHROMIUM] });

describe('the dashboard with a real agent', { skip }, () => {
  let pg: TestPostgres;
  let temp: TempDir;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  before(async () => {
    [pg, temp] = await Promise.all([startTestPostgres(), makeTempDir('agent-dashboard')]);
    server = await startTestServer(pg.url());
    await user(pg.url(), 'alice', 'viewer', 'correct horse battery');
    await mkdir(SHOTS, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => problems.push(error.message));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await Promise.all([pg?.remove(), temp?.remove()]);
  });

  it('shows a listener appear after the agent reports it: in the timeline, then in the listeners', async (t) => {
    await withNetns('agent-dash', async (ns) => {
      const { pid } = await anchorPid(ns);
      const token = await agentToken(pg.url(), HOST);
      const agent = await testAgent(`${temp.path}/dash.db`, { server: server.url, token, netnsPid: pid });
      try {
        await eventually(
          () => agent.pushes.some((push) => push.kind === 'snapshot'),
          'the start snapshot is in',
        );
        const hostUrl = `${server.url}/hosts/${encodeURIComponent(HOST)}`;
        await page.goto(hostUrl, { timeout: 30_000 });
        await page.fill('#name', 'alice');
        await page.fill('#password', 'correct horse battery');
        await Promise.all([page.waitForURL(hostUrl, { timeout: 30_000 }), page.click('button[type=submit]')]);
        assert.equal(await page.locator('#listeners tbody tr').count(), 0, 'the host listens nowhere yet');

        const peer = ns.spawn('python3', [holder, '--name', '<b>peer</b>', 'tcp:127.0.0.1:7601']);
        await waitForLine(peer, /^ready/m, 10_000);
        const ready = Date.now();
        const opened = page.locator('#timeline tbody tr', { hasText: 'listener-opened' });
        await eventually(
          async () => {
            await page.reload();
            return (await opened.count()) === 1;
          },
          'the timeline shows the opened listener',
          15_000,
        );
        t.diagnostic(`in the timeline ${Date.now() - ready} ms after the listener was ready`);
        const line = (await opened.textContent()) ?? '';
        assert.match(line, /tcp\/7601 on 127\.0\.0\.1/);
        assert.ok(line.includes('<b>peer</b>'), 'the HTML in the process name is shown as text');
        assert.equal(await page.locator('main b', { hasText: 'peer' }).count(), 0);

        agent.agent.snapshotNow();
        const listed = page.locator('#listeners tbody tr', { hasText: '7601/tcp' });
        await eventually(
          async () => {
            await page.reload();
            return (await listed.count()) === 1;
          },
          'the listeners table shows it after the next snapshot',
          15_000,
        );
        assert.match((await listed.textContent()) ?? '', /not verified yet/);
        await page.screenshot({ path: `${SHOTS}agent-host.png`, fullPage: true });
        assert.deepEqual(problems, []);
      } finally {
        await agent.close();
      }
    });
  });
});
