import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import {
  createRpcProgramCatalog,
  loadRpcProgramCatalog,
  parseEtcRpc,
} from '../../src/catalog/rpc-programs.js';
import { isEarshotError } from '../../src/errors.js';
import { fixturePath } from '../helpers/fixtures.js';

const fixture = fixturePath('catalog/rpc');

describe('rpc programs', () => {
  it('parses rpc(5) lines and names programs by number', async () => {
    const entries = parseEtcRpc(await readFile(fixture, 'utf8'));
    assert.deepEqual(
      entries.map((entry) => entry.name),
      ['portmapper', 'ypserv', 'ypbind', 'nfs'],
    );
    const catalog = createRpcProgramCatalog(entries);
    assert.equal(catalog.nameOf(100007), 'ypbind');
    assert.equal(catalog.nameOf(100000), 'portmapper');
    assert.equal(catalog.nameOf(4242), null);
  });

  it('fails clearly for a file the user named that cannot be read', async () => {
    await assert.rejects(loadRpcProgramCatalog({ rpcPath: '/nonexistent/rpc' }), (error) =>
      isEarshotError(error, 'ERR_CATALOG_READ'),
    );
  });
});
