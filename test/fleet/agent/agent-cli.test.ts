// `earshot agent` as a user runs it (the built binary): over HTTPS with --ca and a token file, its
// listeners on the server and a new one within seconds, SIGTERM ends it with 0; a wrong token, a token
// file every user can read and a missing option end it with 64, and the token is never printed.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../../../src/fleet/server/server.js';
import { runEarshot, spawnEarshot } from '../../helpers/cli.js';
import { makeSelfSignedCert } from '../../helpers/daemons/daemons.js';
import { skipUnlessPostgres, startTestPostgres, type TestPostgres } from '../../helpers/daemons/postgres.js';
import { skipUnless } from '../../helpers/needs.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { agentToken, readToken, requestOverTls, startTestServer } from '../harness.js';
import { eventually, HOST } from './harness.js';

const skip = skipUnlessPostgres || skipUnless({ root: true, commands: ['openssl'] });

describe('earshot agent (the command)', { skip }, () => {
  let pg: TestPostgres;
  let temp: TempDir;
  let server: RunningServer;
  let token: string;
  let viewer: string;
  let tokenFile: string;
  before(async () => {
    [pg, temp] = await Promise.all([startTestPostgres(), makeTempDir('agent-cli')]);
    const tls = await makeSelfSignedCert(temp.path, '/CN=fleet', 'IP:127.0.0.1');
    server = await startTestServer(pg.url(), {
      tls,
    });
    [token, viewer] = await Promise.all([agentToken(pg.url(), HOST), readToken(pg.url(), 'cli-viewer')]);
    tokenFile = await temp.write('agent.token', `${token}\n`);
    await chmod(tokenFile, 0o600);
  });
  after(async () => {
    await server?.close();
    await Promise.all([pg?.remove(), temp?.remove()]);
  });

  const hostPath = `/api/hosts/${encodeURIComponent(HOST)}`;
  const ca = () => readFile(`${temp.path}/cert.pem`);
  /** GET over HTTPS with the viewer token, trusting the test certificate. */
  async function get(path: string): Promise<unknown> {
    const reply = await requestOverTls(`${server.url}${path}`, { ca: await ca(), token: viewer });
    return JSON.parse(reply.body);
  }

  it('pushes over HTTPS with --ca: its listeners, then a new one within seconds; SIGTERM exits 0', async () => {
    const listen = (): Promise<Server> =>
      new Promise((resolve) => {
        const peer = createServer();
        peer.listen(0, '127.0.0.1', () => resolve(peer));
      });
    const before = await listen();
    const beforePort = (before.address() as { port: number }).port;
    let child: ChildProcess | undefined;
    let stderr = '';
    let late: Server | undefined;
    try {
      child = spawnEarshot([
        'agent',
        '--server',
        server.url,
        '--token-file',
        tokenFile,
        '--ca',
        `${temp.path}/cert.pem`,
        '--db',
        `${temp.path}/agent.db`,
        '--interval',
        '200ms',
        '--verify-every',
        '0',
        '--snapshot-every',
        '1h',
      ]);
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      await eventually(() => /the server takes pushes/.test(stderr), 'the agent says pushes go through');
      assert.match(
        stderr,
        /earshot agent: watching \d+ listeners every 200ms, pushing to https:\/\/127\.0\.0\.1:\d+\//,
      );
      await eventually(async () => {
        const host = (await get(hostPath)) as { listeners?: { port: number }[] };
        return host.listeners?.some((l) => l.port === beforePort) === true;
      }, 'the snapshot lists the listener open at start');
      late = await listen();
      const latePort = (late.address() as { port: number }).port;
      await eventually(
        async () => {
          const { events } = (await get(`/api/events?host=${encodeURIComponent(HOST)}`)) as {
            events: { type: string; event: { port: number } }[];
          };
          return events.some((e) => e.type === 'listener-opened' && e.event.port === latePort);
        },
        'the new listener arrives as an event',
        15_000,
      );
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0, stderr);
      assert.ok(!stderr.includes(token), 'the token is never printed');
    } finally {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      before.close();
      late?.close();
    }
  });

  it('exits 64 saying the token is wrong, never printing it', async () => {
    const wrong = await temp.write('wrong.token', `es_agent_${'q'.repeat(43)}\n`);
    await chmod(wrong, 0o600);
    const result = await runEarshot(
      [
        'agent',
        '--server',
        server.url,
        '--token-file',
        wrong,
        '--ca',
        `${temp.path}/cert.pem`,
        '--db',
        `${temp.path}/wrong.db`,
        '--verify-every',
        '0',
      ],
      { timeoutMs: 30_000 },
    );
    assert.equal(result.code, 64, result.stderr);
    assert.match(
      result.stderr,
      /earshot: The server https:\/\/127\.0\.0\.1:\d+\/ refused the agent token: it is wrong or revoked/,
    );
    assert.ok(!(result.stdout + result.stderr).includes('qqqqqqqq'));
  });

  it('exits 64 for a token file every user can read, a missing --server, or a bad URL', async () => {
    const open = await temp.write('open.token', `${token}\n`);
    await chmod(open, 0o644);
    const common = ['--db', `${temp.path}/refused.db`, '--verify-every', '0'];
    const readable = await runEarshot(['agent', '--server', server.url, '--token-file', open, ...common]);
    assert.equal(readable.code, 64);
    assert.match(readable.stderr, /is open to every user \(mode 0644\): run chmod 600 /);
    assert.ok(!(readable.stdout + readable.stderr).includes(token));
    const noServer = await runEarshot(['agent', '--token-file', tokenFile, ...common]);
    assert.equal(noServer.code, 64);
    assert.match(noServer.stderr, /required option '--server <url>'/);
    const badUrl = await runEarshot([
      'agent',
      '--server',
      'ftp://fleet',
      '--token-file',
      tokenFile,
      ...common,
    ]);
    assert.equal(badUrl.code, 64);
    assert.match(badUrl.stderr, /Invalid --server "ftp:\/\/fleet": only https: and http: are supported/);
  });
});
