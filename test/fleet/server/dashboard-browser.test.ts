// The dashboard in Debian's headless Chromium (playwright-core): log in, open a host, see a listener
// appear after its agent reports it, acknowledge a finding; a process name holding HTML and a
// terminal escape shows as text; no console error, no script, nothing fetched from elsewhere.
// Screenshots are kept in tmp/fleet-screenshots/ (git-ignored).
import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../../src/fleet/server/server.js';
import { skipUnlessPostgres, startTestPostgres, type TestPostgres } from '../../helpers/daemons/postgres.js';
import { skipUnless } from '../../helpers/needs.js';
import { CHROMIUM, launchChromium } from '../../helpers/oracles/chromium.js';
import { agentToken, reportFor, request, snapshot, startTestServer, user } from '../harness.js';

const SHOTS = fileURLToPath(new URL('../../../tmp/fleet-screenshots/', import.meta.url));
const HOSTILE = '<img src=x onerror=alert(1)><script>alert(2)</script>\u001b[31mred';
const skip = skipUnlessPostgres || skipUnless({ files: [CHROMIUM] });

describe('fleet dashboard in headless Chromium', { skip }, () => {
  let pg: TestPostgres;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let token: string;
  const problems: string[] = [];
  const foreign: string[] = [];
  let dialogs = 0;

  before(async () => {
    pg = await startTestPostgres();
    server = await startTestServer(pg.url());
    token = await agentToken(pg.url(), 'web1');
    await agentToken(pg.url(), 'db1');
    await user(pg.url(), 'alice', 'admin', 'correct horse battery');
    const quiet = await request(`${server.url}/api/agent/report`, {
      token,
      body: snapshot(reportFor('web1', 'quiet')),
    });
    assert.equal(quiet.status, 201);
    await mkdir(SHOTS, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('request', (req) => {
      if (!req.url().startsWith(server.url)) foreign.push(req.url());
    });
    page.on('dialog', async (dialog) => {
      dialogs++;
      await dialog.dismiss();
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await pg?.remove();
  });

  it('sends a visitor without a session to the login page, and refuses a wrong password', async () => {
    await page.goto(`${server.url}/hosts/web1`, { timeout: 30_000 });
    assert.match(page.url(), /\/login\?next=%2Fhosts%2Fweb1$/);
    await page.fill('#name', 'alice');
    await page.fill('#password', 'wrong password here');
    await page.click('button[type=submit]');
    assert.match((await page.locator('[role=alert]').textContent()) ?? '', /Wrong user or password/);
    // The refusal is a 401, which Chromium logs as a failed load: that one is expected.
    assert.deepEqual(problems.splice(0), [
      'Failed to load resource: the server responded with a status of 401 (Unauthorized)',
    ]);
  });

  it('logs in and lands on the page it asked for; the fleet lists silent agents first', async () => {
    await page.fill('#name', 'alice');
    await page.fill('#password', 'correct horse battery');
    await Promise.all([
      page.waitForURL(/\/hosts\/web1$/, { timeout: 30_000 }),
      page.click('button[type=submit]'),
    ]);
    await page.goto(`${server.url}/`);
    const rows = await page.locator('#hosts tbody tr').allTextContents();
    assert.equal(rows.length, 2);
    assert.match(rows[0]!, /^db1.*silent/, 'the agent that never reported comes first');
    assert.match(rows[1]!, /^web1ok.*alive/);
    await page.screenshot({ path: `${SHOTS}fleet.png`, fullPage: true });
  });

  it('shows a listener after the agent reports it, with a hostile process name as text', async () => {
    await page.click('text=web1');
    assert.equal(await page.locator('#listeners tbody tr').count(), 0);
    const report = reportFor('web1', 'listeners');
    const row = report.ports.find((p) => p.port === 834)!;
    row.owners[0]!.name = HOSTILE;
    row.owners[0]!.cmdline = [HOSTILE, '--listen', '834'];
    const pushed = await request(`${server.url}/api/agent/report`, { token, body: snapshot(report) });
    assert.equal(pushed.status, 201);
    await page.reload();
    const listener = page.locator('#listeners tbody tr', { hasText: '834/tcp' });
    assert.equal(await listener.count(), 1, 'the new listener is listed');
    const text = (await listener.textContent()) ?? '';
    assert.ok(text.includes('<script>alert(2)</script>'), 'the hostile name is shown as text');
    assert.ok(text.includes('\\x1b[31mred'), 'the terminal escape is shown, not passed on');
    assert.ok(!text.includes('\u001b'));
    assert.equal(await page.locator('main script, main img').count(), 0, 'no element came from the name');
    assert.match((await page.locator('#timeline').textContent()) ?? '', /opened/);
    await page.screenshot({ path: `${SHOTS}host.png`, fullPage: true });
  });

  it('acknowledges a finding, keeping who did it', async () => {
    const finding = page.locator('#findings .finding', { hasText: '834' });
    assert.equal(await finding.count(), 1);
    await Promise.all([
      page.waitForURL(/\/hosts\/web1$/),
      finding.locator('button', { hasText: 'Acknowledge' }).click(),
    ]);
    const acked = page.locator('#findings .finding', { hasText: '834' });
    assert.match((await acked.textContent()) ?? '', /Acknowledged by alice/);
    assert.equal(await acked.locator('button').count(), 0);
    assert.equal(
      await pg.psql('SELECT acked_by FROM findings WHERE port = 834 AND acked_at IS NOT NULL'),
      'alice',
    );
    await page.goto(`${server.url}/findings?acked=false`);
    assert.equal(await page.locator('#findings .finding', { hasText: '834/' }).count(), 0);
    await page.screenshot({ path: `${SHOTS}findings.png`, fullPage: true });
  });

  it('shows who listens on a port across the fleet', async () => {
    await page.goto(`${server.url}/`);
    await page.fill('input[name=port]', '834');
    await Promise.all([page.waitForURL(/\/ports\/834\?protocol=tcp$/), page.click('text=Look up')]);
    const rows = await page.locator('#port tbody tr').allTextContents();
    assert.equal(rows.length, 1);
    assert.match(rows[0]!, /^web1/);
    assert.ok(rows[0]!.includes('<img src=x onerror=alert(1)>'));
    await page.screenshot({ path: `${SHOTS}port.png`, fullPage: true });
    assert.ok((await stat(`${SHOTS}port.png`)).size > 5_000);
  });

  it('shows a big fleet a page of hosts at a time, silent agents first', async () => {
    await pg.psql(
      `INSERT INTO hosts (name, last_seen_at) SELECT 'many' || lpad(n::text, 4, '0'), now() FROM generate_series(1, 1200) n`,
    );
    await page.goto(`${server.url}/`);
    assert.match((await page.locator('h1').textContent()) ?? '', /^Fleet: 1202 hosts, 1 silent$/);
    assert.equal(await page.locator('#hosts tbody tr').count(), 500);
    assert.match((await page.locator('#hosts tbody tr').first().textContent()) ?? '', /^db1.*silent/);
    assert.match((await page.locator('nav.pages').first().textContent()) ?? '', /Hosts 1–500 of 1202/);
    await Promise.all([
      page.waitForURL(/\/\?page=2$/),
      page.locator('nav.pages a', { hasText: 'next' }).first().click(),
    ]);
    assert.equal(await page.locator('#hosts tbody tr').count(), 500);
    await page.goto(`${server.url}/?page=3`);
    assert.equal(await page.locator('#hosts tbody tr').count(), 202);
    assert.equal(await page.locator('nav.pages a', { hasText: 'next' }).count(), 0);
    const refused = await page.goto(`${server.url}/?page=0`);
    assert.equal(refused?.status(), 400);
    assert.deepEqual(problems.splice(0), [
      'Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
  });

  it('ran no script, raised no console error and fetched nothing from elsewhere', () => {
    assert.equal(dialogs, 0);
    assert.deepEqual(problems, []);
    assert.deepEqual(foreign, []);
  });
});
