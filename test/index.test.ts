// The library surface as a user imports it (`import ... from 'earshot'`, the built package): the
// fleet server's web server and database client load only when the server is used.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs an ES module in a fresh Node inside the package (so `earshot` resolves to it); its stdout. */
async function runModule(source: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', source], {
    cwd: root,
    timeout: 30_000,
  });
  return stdout.trim();
}

// Fastify and pg are CommonJS: importing them fills the CommonJS module cache.
const LOADED = `
import { createRequire } from 'node:module';
const loaded = () => Object.keys(createRequire(import.meta.url).cache)
  .filter((path) => /node_modules\\/(fastify|@fastify\\/[^/]+|pg|pg-pool)\\//.test(path))
  .map((path) => path.replace(/.*node_modules\\/((@[^/]+\\/)?[^/]+)\\/.*/, '$1'));
const names = () => [...new Set(loaded())].sort().join(',');
`;

describe("earshot's library surface", () => {
  it("does not load Fastify or pg for import { verify } from 'earshot', but does once startServer runs", async () => {
    const out = await runModule(`${LOADED}
import { verify, startServer } from 'earshot';
console.log(typeof verify, JSON.stringify(names()));
const failed = await startServer({ db: '/nonexistent/earshot-socket-folder', port: 0 }).then(() => 'started', (e) => e.code);
console.log(failed, JSON.stringify(names()));
`);
    const [before, after] = out.split('\n');
    assert.equal(before, 'function ""', 'nothing of the server is loaded by the import');
    const [code, names] = after!.split(' ');
    assert.match(code!, /^ERR_DB/, 'startServer ran (and could not reach a database)');
    assert.match(names!, /fastify/);
    assert.match(names!, /pg/);
  });
});
