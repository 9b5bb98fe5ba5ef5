import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertTargetError, list, prepare } from '../../helpers/targets.js';

describe('prepareTargets: files and exclusions', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'earshot-targets-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const file = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  it('reads -iL files: several per line, # comments, blank lines, after the command-line targets', async () => {
    const inputFile = await file(
      'hosts.txt',
      '# lab hosts\n10.0.0.1 10.0.0.2\n\n  fd00::1/127   # v6 pair\nweb.test\n',
    );
    const prepared = await prepare({ targets: ['127.0.0.1'], inputFile });
    assert.deepEqual(list(prepared), [
      '127.0.0.1',
      '10.0.0.1',
      '10.0.0.2',
      'fd00::',
      'fd00::1',
      '10.0.0.7(web.test)',
    ]);
  });

  it('rejects an empty, unreadable or bad -iL file, naming the file and line', async () => {
    const empty = await file('empty.txt', '# nothing here\n\n');
    await assertTargetError(
      { inputFile: empty },
      'ERR_TARGET_FILE',
      /^The target file ".*empty.txt" lists no targets: put one or more per line/,
    );
    await assertTargetError(
      { inputFile: join(dir, 'missing.txt') },
      'ERR_TARGET_FILE',
      /^Cannot read the target file ".*missing.txt": it does not exist; check the path\.$/,
    );
    await assertTargetError({ inputFile: dir }, 'ERR_TARGET_FILE', /it is a folder, not a file/);
    const bad = await file('bad.txt', '10.0.0.1\n10.0.0.0/33\n');
    await assertTargetError(
      { inputFile: bad },
      'ERR_TARGET_SPEC',
      /^Invalid target "10.0.0.0\/33" \(.*bad.txt line 2\): the prefix length 33/,
    );
  });

  it('takes --exclude comma lists in the same syntax, and --exclude-file', async () => {
    const excludeFile = await file('exclude.txt', '# keep off\n10.0.0.10-19\n10.0.0.250,251\n');
    const prepared = await prepare({
      targets: ['10.0.0.0/24', '192.168.0-9.1'],
      exclude: ['10.0.0.0/29,10.0.0.100', '192.168.3-5,7.1', '10.0.0.1,2'],
      excludeFile,
    });
    const got = list(prepared);
    assert.equal(prepared.count, BigInt(got.length));
    assert.equal(got.length, 256 - 8 - 1 - 10 - 2 + 10 - 4);
    assert.deepEqual(got.slice(0, 3), ['10.0.0.8', '10.0.0.9', '10.0.0.20']);
    assert.deepEqual(got.slice(-6), [
      '192.168.0.1',
      '192.168.1.1',
      '192.168.2.1',
      '192.168.6.1',
      '192.168.8.1',
      '192.168.9.1',
    ]);
    const emptyExcludes = await file('none.txt', '\n');
    assert.equal((await prepare({ targets: ['10.0.0.1'], excludeFile: emptyExcludes })).count, 1n);
    await assertTargetError(
      { targets: ['10.0.0.1'], excludeFile: join(dir, 'nope.txt') },
      'ERR_TARGET_FILE',
      /^Cannot read the exclude file ".*nope.txt": it does not exist/,
    );
  });

  it('may exclude everything: the count is then 0 and nothing is yielded', async () => {
    const prepared = await prepare({ targets: ['10.0.0.0/24', '10.0.0.3'], exclude: ['10.0.0.0/16'] });
    assert.equal(prepared.count, 0n);
    assert.deepEqual(list(prepared), []);
  });

  it('can be walked again and gives the same addresses', async () => {
    const prepared = await prepare({ targets: ['10.0.0.0/30', 'fd00::/127'], exclude: ['10.0.0.2'] });
    assert.deepEqual(list(prepared), list(prepared));
    assert.deepEqual(list(prepared), ['10.0.0.0', '10.0.0.1', '10.0.0.3', 'fd00::', 'fd00::1']);
  });
});
