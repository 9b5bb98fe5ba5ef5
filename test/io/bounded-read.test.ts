import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isEarshotError } from '../../src/errors.js';
import { readBoundedTextFile, readBoundedTextFileSync } from '../../src/io/bounded-read.js';
import { INPUT_FILES, type InputFileKind } from '../../src/io/input-files.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

const small: InputFileKind = {
  what: 'test file',
  maxBytes: 100_000,
  code: 'ERR_OPTION',
  missingHint: (path) => `make ${path}`,
};

let dir: TempDir;
let fifo: string;

/** Both reads of `path`, each expected to fail with `message`. */
async function assertBothRefuse(path: string, message: RegExp, kind: InputFileKind = small): Promise<void> {
  const check = (error: unknown) => {
    assert.ok(isEarshotError(error, kind.code as never), String(error));
    assert.match(error.message, message);
    assert.ok(error.message.startsWith(`Cannot read the ${kind.what} "${path}": `), error.message);
    return true;
  };
  await assert.rejects(readBoundedTextFile(path, { kind }), check);
  assert.throws(() => readBoundedTextFileSync(path, { kind }), check);
}

describe('bounded reads', () => {
  before(async () => {
    dir = await makeTempDir('bounded-read');
    fifo = join(dir.path, 'fifo');
    execFileSync('mkfifo', [fifo]);
  });
  after(() => dir.remove());

  it('reads a regular file whole, in both encodings, across many reads', async () => {
    const text = 'é\n'.repeat(30_000);
    const path = await dir.write('text.txt', text);
    assert.equal(await readBoundedTextFile(path, { kind: small }), text);
    assert.equal(readBoundedTextFileSync(path, { kind: small }), text);
    assert.equal(readBoundedTextFileSync(path, { kind: small, encoding: 'latin1' }).length, 90_000);
    assert.equal(await readBoundedTextFile(await dir.write('empty', ''), { kind: small }), '');
  });

  it('reads a file of exactly the cap and refuses one byte more', async () => {
    const exact = await dir.write('exact', 'x'.repeat(small.maxBytes));
    assert.equal((await readBoundedTextFile(exact, { kind: small })).length, small.maxBytes);
    assert.equal(readBoundedTextFileSync(exact, { kind: small }).length, small.maxBytes);
    const over = await dir.write('over', 'x'.repeat(small.maxBytes + 1));
    await assertBothRefuse(over, /it is larger than 97.65625 KiB, the most earshot reads of a test file/);
  });

  it('refuses a FIFO with no writer at once instead of waiting for one', async () => {
    const started = Date.now();
    await assertBothRefuse(fifo, /it is a named pipe \(FIFO\), which earshot does not read/);
    assert.ok(Date.now() - started < 5000, 'refused without blocking');
  });

  it('refuses a device, a folder, a missing file and a path through a file', async () => {
    await assertBothRefuse('/dev/zero', /it is a device, not a file/);
    await assertBothRefuse('/dev/null', /it is a device, not a file/);
    await assertBothRefuse(dir.path, /it is a folder, not a file/);
    const missing = join(dir.path, 'missing');
    await assertBothRefuse(missing, new RegExp(`it does not exist; make ${missing}`));
    const file = await dir.write('plain', 'x');
    await assertBothRefuse(join(file, 'below'), /a part of the path before the file name is not a folder/);
    const loop = join(dir.path, 'loop');
    symlinkSync(loop, loop);
    await assertBothRefuse(loop, /too many symbolic links/);
  });

  it('refuses a link to a device as the device', async () => {
    const link = join(dir.path, 'zero-link');
    symlinkSync('/dev/zero', link);
    await assertBothRefuse(link, /it is a device/);
  });

  it('reads procfs files, which say size 0, to their end', async () => {
    const status = readBoundedTextFileSync('/proc/self/status', { kind: INPUT_FILES.processFile });
    assert.match(status, /^Name:/);
    assert.match(await readBoundedTextFile('/proc/self/status', { kind: INPUT_FILES.processFile }), /Pid:/);
  });

  it('stops a procfs read that passes the cap (a table that grows while read)', async () => {
    const tiny: InputFileKind = { ...small, maxBytes: 64 };
    await assertBothRefuse('/proc/self/status', /larger than 0.0625 KiB/, tiny);
  });

  it('refuses a file that was too big before reading it', async () => {
    const path = join(dir.path, 'sparse');
    writeFileSync(path, '');
    execFileSync('truncate', ['-s', '1G', path]);
    const started = Date.now();
    await assertBothRefuse(path, /larger than/);
    assert.ok(Date.now() - started < 5000);
  });

  it('rethrows the abort reason', async () => {
    const path = await dir.write('a', 'a');
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(readBoundedTextFile(path, { kind: small, signal: controller.signal }), /stop/);
  });

  it('has a cap for every kind that a real file of that kind stays far below', () => {
    for (const [name, kind] of Object.entries(INPUT_FILES)) {
      // The token file holds one token of at most 512 characters: 4 KiB is eight times that.
      const floor = name === 'agentToken' ? 4 * 1024 : 4 * 1024 * 1024;
      assert.ok(kind.maxBytes >= floor, `${name}: ${kind.maxBytes}`);
      assert.ok(kind.maxBytes <= 256 * 1024 * 1024, `${name}: ${kind.maxBytes}`);
    }
  });
});
