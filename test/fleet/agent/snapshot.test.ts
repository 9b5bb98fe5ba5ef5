// The agent's snapshot (pure): the last verify report with its kernel side brought up to date; what
// the agent makes of the server's answers; its server URL and token file checks.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { loadReportValidator } from '../../../src/compare/report-schema.js';
import { parseServerUrl, readCaFile, readTokenFile } from '../../../src/fleet/agent/credentials.js';
import type { PushReply } from '../../../src/fleet/agent/push-client.js';
import { judgeReply, splitRefusedBatch } from '../../../src/fleet/agent/push-replies.js';
import { buildSnapshot } from '../../../src/fleet/agent/snapshot.js';
import type { VerifyReport } from '../../../src/model.js';
import type { WatchedListener } from '../../../src/watch/start-watch.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { catalog, owner } from '../../reconcile/scene.js';
import { eventFor, fixtureReport } from '../harness.js';

const now = new Date('2026-12-01T10:00:00.000Z');
const listening = (
  protocol: 'tcp' | 'udp',
  address: string,
  port: number,
  owners = [owner(42, 'daemon', '/usr/sbin/daemon')],
): WatchedListener => ({ protocol, address, port, owners, openedAt: '2026-12-01T09:59:00.000Z' });

describe('the agent snapshot', () => {
  it('keeps the verify verdicts and findings, drops closed listeners, adds new ones as not verified yet', async () => {
    const verified = fixtureReport('suspicious');
    const snapshot = buildSnapshot({
      verified,
      listeners: [
        listening('tcp', '::', 22, [owner(7, 'sshd', '/usr/sbin/sshd')]),
        listening('tcp', '::', 4444),
        listening('tcp', '127.0.0.1', 8443),
      ],
      catalog,
      hostname: 'web1',
      privileged: true,
      now,
    });
    assert.deepEqual(await loadReportValidator('verify').then((validate) => validate(snapshot)), []);
    assert.deepEqual(
      snapshot.ports.map((p) => `${p.protocol} ${p.address} ${p.port}`),
      ['tcp :: 22', 'tcp :: 4444', 'tcp 127.0.0.1 8443'],
    );
    const [ssh, kept, added] = snapshot.ports;
    assert.deepEqual(
      ssh!.owners.map((o) => o.name),
      ['sshd'],
      'owners as watch sees them now',
    );
    assert.equal(ssh!.verdict.level, 'ok');
    assert.deepEqual(
      kept!.verdict,
      verified.ports.find((p) => p.port === 4444)!.verdict,
      "the verify's verdict",
    );
    assert.equal(added!.networkScanned, false);
    assert.deepEqual(added!.network, []);
    assert.equal(added!.verdict.level, 'notice', 'as watch rates an opened listener');
    assert.deepEqual(added!.verdict.findings, []);
    assert.match(added!.verdict.summary, /^not verified yet: listening since 2026-12-01T09:59:00\.000Z/);
    assert.deepEqual(snapshot.findings, verified.findings, 'the findings stay until the next verify');
    assert.deepEqual(snapshot.summary, verified.summary);
    assert.deepEqual(snapshot.host, { hostname: 'web1', privileged: true });
    assert.deepEqual(snapshot.args, ['earshot', 'agent']);
    assert.equal(snapshot.stats.startedAt, verified.stats.startedAt);
    assert.equal(snapshot.stats.endedAt, now.toISOString(), 'the server orders snapshots by this time');
    assert.match(
      snapshot.witnesses.find((w) => w.witness === 'kernel')!.detail,
      /; listening tables re-read by earshot agent at 2026-12-01T10:00:00\.000Z$/,
    );
  });

  it('keeps what only the network saw (a hidden listener) as the verify found it', () => {
    const verified: VerifyReport = structuredClone(fixtureReport('listeners'));
    const hidden = { ...verified.ports[0]!, port: 31337, inKernelTable: false, owners: [] };
    verified.ports.push(hidden);
    const snapshot = buildSnapshot({
      verified,
      listeners: [],
      catalog: null,
      hostname: 'h',
      privileged: false,
      now,
    });
    assert.deepEqual(snapshot.ports, [hidden]);
  });

  it('before any verify: the listeners alone, the network witness said to be missing', async () => {
    const snapshot = buildSnapshot({
      verified: null,
      listeners: [listening('tcp', '0.0.0.0', 22)],
      catalog,
      hostname: 'h',
      privileged: true,
      now,
    });
    assert.deepEqual(await loadReportValidator('verify').then((validate) => validate(snapshot)), []);
    assert.equal(snapshot.ports[0]!.service?.name, 'ssh', 'named from the catalog');
    assert.deepEqual(snapshot.findings, []);
    assert.deepEqual(
      snapshot.witnesses.map((w) => [w.witness, w.available]),
      [
        ['kernel', true],
        ['network', false],
      ],
    );
    assert.equal(snapshot.stats.elapsedMs, 0);
  });
});

describe("the agent's reading of the server's answers", () => {
  const reply = (status: number, code: string | null = null): PushReply => ({
    status,
    code,
    message: '',
    path: null,
    retryAfterMs: null,
    json: null,
  });
  it('takes 2xx, gives up on a body refused for good, stops on the token, retries the rest', () => {
    assert.equal(judgeReply(reply(201)), 'taken');
    assert.equal(judgeReply(reply(200)), 'taken');
    assert.equal(judgeReply(reply(400, 'invalid-body')), 'refused');
    assert.equal(judgeReply(reply(413)), 'refused');
    assert.equal(judgeReply(reply(403, 'wrong-host')), 'refused');
    assert.equal(judgeReply(reply(401, 'unauthenticated')), 'stop');
    assert.equal(judgeReply(reply(403, 'forbidden')), 'stop');
    for (const status of [403, 404, 429, 500, 502, 503, 301])
      assert.equal(judgeReply(reply(status)), 'retry', `${status}`);
  });

  it('sends the events before a refused one first, halves a batch too large, then leaves the bad one out', () => {
    const items = ['a', 'a', 'a', 'b', 'a'].map((host) => ({ event: eventFor(host) }));
    const at = (path: string | null, status = 400, code: string | null = 'invalid-body') => ({
      ...reply(status, code),
      path,
    });
    assert.deepEqual(splitRefusedBatch(items, at('/events/3/event/port')), { resendFirst: 3, refused: [] });
    assert.deepEqual(splitRefusedBatch(items, at(null, 413, 'body-too-large')), {
      resendFirst: 3,
      refused: [],
    });
    assert.deepEqual(splitRefusedBatch(items.slice(3), at('/events/0/event/port')), {
      resendFirst: null,
      refused: [items[3]],
    });
    assert.deepEqual(splitRefusedBatch(items.slice(0, 1), at(null, 413, null)), {
      resendFirst: null,
      refused: [items[0]],
    });
    // Another host's name: every event of that name in the batch at once, the rest stay queued.
    assert.deepEqual(splitRefusedBatch(items, at('/events/0/event', 403, 'wrong-host')), {
      resendFirst: null,
      refused: [items[0], items[1], items[2], items[4]],
    });
  });
});

describe("the agent's server URL and files", () => {
  let temp: TempDir;
  before(async () => {
    temp = await makeTempDir('agent-credentials');
  });
  after(async () => {
    await temp.remove();
  });

  it('takes http(s) addresses, a path prefix as a folder, and refuses credentials in the URL', () => {
    assert.equal(parseServerUrl('https://fleet:8443').href, 'https://fleet:8443/');
    assert.equal(parseServerUrl('https://fleet/earshot').href, 'https://fleet/earshot/');
    assert.throws(() => parseServerUrl('fleet:8443'), {
      code: 'ERR_OPTION',
      message: /only https: and http:/,
    });
    assert.throws(() => parseServerUrl('https://user:secret@fleet'), /the token goes in --token-file/);
    assert.throws(() => parseServerUrl('not a url'), /Invalid --server "not a url"/);
  });

  it('reads one token from a private file, and never says the token when it refuses one', async () => {
    const secret = `es_agent_${'s'.repeat(43)}`;
    const good = await temp.write('good.token', `${secret}\n`);
    await chmod(good, 0o600);
    assert.equal(await readTokenFile(good), secret);
    const open = await temp.write('open.token', secret);
    await chmod(open, 0o604);
    await assert.rejects(readTokenFile(open), (error: Error) => {
      assert.match(error.message, /open to every user \(mode 0604\): run chmod 600/);
      assert.ok(!error.message.includes(secret));
      return true;
    });
    const two = await temp.write('two.token', `${secret}\n${secret}\n`);
    await chmod(two, 0o600);
    await assert.rejects(readTokenFile(two), (error: Error) => {
      assert.match(error.message, /must hold one token on one line/);
      assert.ok(!error.message.includes(secret));
      return true;
    });
    await assert.rejects(readTokenFile(`${temp.path}/missing`), {
      code: 'ERR_OPTION',
      message: /^Cannot read the token file ".*missing": it does not exist; write the token that/,
    });
    await assert.rejects(readTokenFile(temp.path), {
      message: /^Cannot read the token file ".*": it is a folder/,
    });
    const fifo = `${temp.path}/token.fifo`;
    execFileSync('mkfifo', ['-m', '600', fifo]);
    await assert.rejects(readTokenFile(fifo), /it is a named pipe \(FIFO\)/);
    await assert.rejects(readTokenFile('/dev/zero'), /it is a device/);
  });

  it('refuses a CA file that holds no PEM certificate', async () => {
    const bad = await temp.write('bad-ca.pem', 'not a certificate');
    await assert.rejects(readCaFile(bad), { code: 'ERR_OPTION', message: /holds no PEM certificate/ });
    const fifo = `${temp.path}/ca.fifo`;
    execFileSync('mkfifo', [fifo]);
    // Read without O_NONBLOCK, a FIFO with no writer kept this waiting for good.
    await assert.rejects(readCaFile(fifo), {
      code: 'ERR_OPTION',
      message: /^Cannot read the CA file ".*ca\.fifo": it is a named pipe \(FIFO\)/,
    });
    await assert.rejects(readCaFile('/dev/zero'), /it is a device/);
  });
});
