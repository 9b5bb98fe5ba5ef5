import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runEarshot } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';

const fixture = fixturePath('catalog/services');

describe('earshot services', () => {
  it('answers the guide question: port 834 has no registered service, exit 1', async () => {
    const result = await runEarshot(['services', '--services-file', fixture, '834']);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^834: no registered service$/m);
  });

  it('looks a port up and names the source', async () => {
    const result = await runEarshot(['services', '--services-file', fixture, '111']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^111\/tcp\s+sunrpc \(portmapper\)\s+\[\/etc\/services\]/m);
  });

  it('looks a name up and prints JSON', async () => {
    const result = await runEarshot(['services', '--services-file', fixture, '--json', 'ssh']);
    assert.equal(result.code, 0);
    const parsed = JSON.parse(result.stdout) as {
      results: { entries: { port: number; source: string }[] }[];
    };
    assert.equal(parsed.results[0]?.entries[0]?.port, 22);
    assert.equal(parsed.results[0]?.entries[0]?.source, 'etc-services');
  });

  it('rejects a port above 65535 as a usage error', async () => {
    const result = await runEarshot(['services', '70000']);
    assert.equal(result.code, 64);
    assert.match(result.stderr, /Invalid port "70000"/);
  });

  it('escapes a query with terminal control bytes', async () => {
    const result = await runEarshot(['services', '--services-file', fixture, 'evil\u001b]0;pwned\u0007']);
    assert.equal(result.code, 1);
    assert.doesNotMatch(result.stdout, /\u001b/);
    assert.match(result.stdout, /evil\\x1b\]0;pwned\\x07/);
  });
});
