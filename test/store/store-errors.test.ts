// A store earshot cannot use safely is an error naming the file and the way out, and the file is
// left exactly as it was: locked, damaged, not a database, read-only, or of a newer schema.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { openStore } from '../../src/store/open-store.js';
import { meets } from '../helpers/needs.js';
import { run } from '../helpers/netns/netns.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

let temp: TempDir;
before(async () => {
  temp = await makeTempDir('store-errors');
});
after(async () => {
  await temp.remove();
});

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function storeWithData(name: string): string {
  const path = `${temp.path}/${name}`;
  const store = openStore(path);
  store.write('t', () => {
    for (let port = 1; port <= 300; port++) {
      store.listeners.opened({
        protocol: 'tcp',
        address: '0.0.0.0',
        port,
        inodes: [port],
        owners: [],
        openedAt: '2026-01-01T00:00:00.000Z',
      });
    }
  });
  store.close();
  return path;
}

describe('history store errors', () => {
  it('says a store another process holds locked is locked, then opens it once free', () => {
    const path = storeWithData('locked.db');
    const other = new BetterSqlite3(path);
    other.exec('BEGIN EXCLUSIVE');
    try {
      assert.throws(
        () => openStore(path, { busyTimeoutMs: 100 }),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'ERR_STORE_LOCKED');
          assert.ok(error.message.includes(path), error.message);
          assert.match(error.message, /--db another file/);
          return true;
        },
      );
    } finally {
      other.exec('COMMIT');
      other.close();
    }
    const store = openStore(path);
    assert.equal(store.listeners.open().length, 300, 'nothing recorded was lost');
    store.close();
  });

  it('refuses a second watch on one store while the first runs, and takes over a dead one', () => {
    const store = openStore(`${temp.path}/claimed.db`);
    const first = { pid: 111, startTime: null, since: '2026-01-01T00:00:00.000Z' };
    store.claimWriter(first, () => false);
    assert.throws(
      () => store.claimWriter({ pid: 222, startTime: null, since: 'now' }, (other) => other.pid === 111),
      { code: 'ERR_STORE_LOCKED', message: /another earshot watch \(pid 111/ },
    );
    store.claimWriter({ pid: 222, startTime: null, since: 'now' }, () => false);
    store.releaseWriter(222);
    store.close();
  });

  it('refuses a FIFO, a device or a folder as the store at once, read-only or not, without opening it', () => {
    const fifo = `${temp.path}/store.fifo`;
    execFileSync('mkfifo', [fifo]);
    const cases: [string, RegExp][] = [
      [fifo, /it is a named pipe \(FIFO\), not a regular file/],
      ['/dev/zero', /it is a device, not a regular file/],
      [temp.path, /it is a folder, not a regular file/],
    ];
    for (const [path, problem] of cases) {
      for (const readOnly of [false, true]) {
        // A FIFO opened by SQLite would block this thread for good: the throw must come first.
        assert.throws(
          () => openStore(path, { readOnly }),
          (error: Error & { code?: string }) => {
            assert.equal(error.code, 'ERR_OPTION', error.message);
            assert.ok(error.message.startsWith(`Cannot use the history store "${path}": `), error.message);
            assert.match(error.message, problem);
            assert.match(error.message, /give --db the path of an earshot database file/);
            return true;
          },
          `${path} readOnly=${readOnly}`,
        );
      }
    }
  });

  it('leaves a file that is not a database untouched and says how to start over', () => {
    const path = `${temp.path}/garbage.db`;
    writeFileSync(path, 'this is not a database file, but someone put it here\n'.repeat(200));
    const before = digest(path);
    assert.throws(
      () => openStore(path),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_STORE_CORRUPT');
        assert.ok(error.message.includes(`mv "${path}" "${path}.broken"`), error.message);
        return true;
      },
    );
    assert.equal(digest(path), before);
  });

  it('refuses a database with damaged pages and leaves it untouched', () => {
    const path = storeWithData('damaged.db');
    // Scribble over the b-tree headers of pages 2 to 5 (the first page holds the file header).
    const fd = openSync(path, 'r+');
    for (let page = 1; page < 5; page++) writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, page * 4096);
    closeSync(fd);
    const before = digest(path);
    assert.throws(() => openStore(path), { code: 'ERR_STORE_CORRUPT' });
    assert.equal(digest(path), before);
  });

  it('refuses a store written by a newer earshot and leaves it untouched', () => {
    const path = storeWithData('newer.db');
    const raw = new BetterSqlite3(path);
    raw.pragma('user_version = 99');
    raw.close();
    const before = digest(path);
    assert.throws(
      () => openStore(path),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_STORE_VERSION');
        assert.match(error.message, /newer earshot \(schema 99; this earshot knows up to 1\)/);
        assert.match(error.message, /upgrade earshot/);
        return true;
      },
    );
    assert.throws(() => openStore(path, { readOnly: true }), { code: 'ERR_STORE_VERSION' });
    assert.equal(digest(path), before);
  });

  it('says a store the user cannot write is read-only, and still reads it', async (t) => {
    if (!meets(t, { root: true, commands: ['setpriv'] })) return;
    const path = storeWithData('readonly.db');
    chmodSync(temp.path, 0o755);
    chownSync(path, 0, 0);
    chmodSync(path, 0o644);
    const before = digest(path);
    const script = fileURLToPath(new URL('./open-store-child.ts', import.meta.url));
    const asNobody = [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      '--import',
      'tsx',
    ];
    const write = await run('setpriv', [...asNobody, script, path, 'write']);
    assert.match(write.stdout, /^ERR_STORE_READONLY /m, write.stdout + write.stderr);
    assert.ok(write.stdout.includes(path));
    assert.match(write.stdout, /give --db a writable path/);
    const read = await run('setpriv', [...asNobody, script, path, 'read']);
    assert.match(read.stdout, /^listeners 300$/m, read.stdout + read.stderr);
    assert.equal(digest(path), before);
  });
});
