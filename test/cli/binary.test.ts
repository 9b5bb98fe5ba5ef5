import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { earshotBin } from '../helpers/cli.js';
import { run } from '../helpers/netns/netns.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

// `earshot` as npm links it runs dist/cli/main.js through its #! line, which also gives Node the
// main thread's heap limits: the line must start this Node with them.
describe('the earshot binary', () => {
  it('runs through its #! line, with the Node first on PATH', async () => {
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    const result = await run(earshotBin, ['--version'], { env, timeoutMs: 30_000 });
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `${version}\n`);
    const shebang = readFileSync(earshotBin, 'utf8').split('\n')[0];
    assert.match(shebang ?? '', /^#!\/usr\/bin\/env -S node --max-semi-space-size=\d+$/);
  });
});
