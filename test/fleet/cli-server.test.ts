// `earshot server`, `server token` and `server user add` run as a user runs them (the built
// binary), on a real PostgreSQL: the token is the last line, stored hashed; --list never shows a
// secret; --revoke stops it working; a password read from stdin logs in.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { runEarshot, spawnEarshot } from '../helpers/cli.js';
import { skipUnlessPostgres, startTestPostgres, type TestPostgres } from '../helpers/daemons/postgres.js';
import { request } from './harness.js';

describe('earshot server (CLI)', { skip: skipUnlessPostgres }, () => {
  let pg: TestPostgres;
  before(async () => {
    pg = await startTestPostgres();
  });
  after(() => pg?.remove());

  it('prints a new agent token once as its last line, stores only its hash, lists and revokes it', async () => {
    const made = await runEarshot(['server', 'token', '--db', pg.url(), '--agent', 'web1']);
    assert.equal(made.code, 0, made.stderr);
    const token = made.stdout.trim().split('\n').at(-1)!;
    assert.match(token, /^es_agent_[A-Za-z0-9_-]{43}$/);
    const stored = await pg.psql(
      "SELECT encode(secret_sha256, 'hex') || ' ' || hint FROM tokens WHERE name = 'web1'",
    );
    assert.ok(
      !stored.includes(token) && stored.endsWith(token.slice(-4)),
      'only the hash and a hint are stored',
    );
    assert.equal(
      await pg.psql("SELECT count(*) FROM hosts WHERE name = 'web1'"),
      '1',
      'the host exists before it reports',
    );

    const listed = await runEarshot(['server', 'token', '--db', pg.url(), '--list']);
    assert.equal(listed.code, 0);
    assert.match(listed.stdout, /^agent +web1 +….{4} +made .* live$/m);
    assert.ok(!listed.stdout.includes(token));

    const revoked = await runEarshot(['server', 'token', '--db', pg.url(), '--revoke', 'web1']);
    assert.equal(revoked.code, 0);
    assert.match(revoked.stdout, /revoked 1 token of web1/);
    assert.equal(
      await pg.psql("SELECT count(*) FROM tokens WHERE name = 'web1' AND revoked_at IS NULL"),
      '0',
    );
    const again = await runEarshot(['server', 'token', '--db', pg.url(), '--revoke', 'web1']);
    assert.equal(again.code, 64);
    assert.match(again.stderr, /No live token was made for "web1"/);
  });

  it('refuses bad names, option mixes and an unreachable database with a clear message', async () => {
    const bad = await runEarshot(['server', 'token', '--db', pg.url(), '--agent', 'web 1']);
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /Invalid host name "web 1"/);
    const both = await runEarshot(['server', 'token', '--db', pg.url(), '--agent', 'a', '--viewer', 'b']);
    assert.equal(both.code, 64);
    const nowhere = await runEarshot(['server', 'token', '--db', 'mysql://x', '--list']);
    assert.equal(nowhere.code, 64);
    assert.match(nowhere.stderr, /Invalid database "mysql:\/\/x"/);
    const down = await runEarshot(['server', 'token', '--db', `${pg.dir}/no-socket-here`, '--list']);
    assert.equal(down.code, 69, down.stderr);
    assert.match(down.stderr, /Cannot use the database .*no-socket-here/);
  });

  it('adds a user with the password from stdin, stored as scrypt; refuses a short one and a duplicate', async () => {
    const added = await runEarshot(['server', 'user', '--db', pg.url(), 'add', 'alice', '--role', 'admin'], {
      input: 'correct horse battery\n',
    });
    assert.equal(added.code, 0, added.stderr);
    const hash = await pg.psql("SELECT password_hash FROM users WHERE name = 'alice'");
    assert.match(hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const short = await runEarshot(['server', 'user', 'add', 'bob', '--db', pg.url(), '--role', 'viewer'], {
      input: 'short\n',
    });
    assert.equal(short.code, 64);
    assert.match(short.stderr, /10 to 1024 characters/);
    const twice = await runEarshot(['server', 'user', '--db', pg.url(), 'add', 'alice', '--role', 'viewer'], {
      input: 'another long password\n',
    });
    assert.equal(twice.code, 64);
    assert.match(twice.stderr, /exists already/);
  });

  it('serves until SIGTERM, and the user logs in', async () => {
    let child: ChildProcess | undefined;
    try {
      child = spawnEarshot(['server', '--db', pg.url(), '--listen', '127.0.0.1:0']);
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start: ${out}`)), 30_000);
        child!.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          const match = /listening on (\S+)/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      const login = await request(`${url}/login`, {
        body: 'name=alice&password=correct+horse+battery&next=%2F',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(login.status, 303);
      assert.match(
        login.headers.get('set-cookie') ?? '',
        /earshot_session=.+; Path=\/; HttpOnly; SameSite=Strict/,
      );
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      if (child && child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
