import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createServiceCatalog, loadServiceCatalog, parseEtcServices } from '../../src/catalog/services.js';
import { isEarshotError } from '../../src/errors.js';
import { fixturePath } from '../helpers/fixtures.js';

const fixture = fixturePath('catalog/services');

describe('parseEtcServices', () => {
  it('reads names, ports, aliases and comments, and skips lines that do not fit', async () => {
    const entries = parseEtcServices(
      await import('node:fs/promises').then((fs) => fs.readFile(fixture, 'utf8')),
    );
    assert.deepEqual(
      entries.map((entry) => `${entry.name} ${entry.port}/${entry.protocol}`),
      ['tcpmux 1/tcp', 'ssh 22/tcp', 'sunrpc 111/tcp', 'sunrpc 111/udp', 'x11 6000/tcp'],
    );
    assert.deepEqual(entries[2]?.aliases, ['portmapper']);
    assert.equal(entries[2]?.description, 'RPC 4.0 portmapper');
  });
});

describe('loadServiceCatalog', () => {
  it('prefers /etc/services and falls back to IANA per port', async () => {
    const catalog = await loadServiceCatalog({ servicesPath: fixture });
    assert.equal(catalog.lookupPort('tcp', 22)?.source, 'etc-services');
    const https = catalog.lookupPort('tcp', 443);
    assert.equal(https?.source, 'iana');
    assert.equal(https?.name, 'https');
    assert.equal(catalog.lookupPort('tcp', 834), null);
  });

  it('names ports from the system list for the default scan set', async () => {
    const catalog = await loadServiceCatalog({ servicesPath: fixture });
    assert.deepEqual(catalog.namedPorts('tcp'), [1, 22, 111, 6000]);
    assert.deepEqual(catalog.namedPorts('udp'), [111]);
  });

  it('looks names and aliases up without repeating endpoints IANA shares', async () => {
    const catalog = await loadServiceCatalog({ servicesPath: fixture });
    const found = catalog
      .lookupName('PORTMAPPER')
      .map((entry) => `${entry.port}/${entry.protocol}:${entry.source}`);
    assert.deepEqual(found, ['111/tcp:etc-services', '111/udp:etc-services']);
  });

  it('reports an unreadable catalog the user named as ERR_CATALOG_READ', async () => {
    await assert.rejects(loadServiceCatalog({ servicesPath: '/nonexistent/services' }), (error) => {
      assert.ok(isEarshotError(error, 'ERR_CATALOG_READ'));
      assert.match(error.message, /\/nonexistent\/services/);
      return true;
    });
  });

  it('works with IANA data alone when no system list exists', () => {
    const catalog = createServiceCatalog(null, [
      { name: 'ssh', port: 22, protocol: 'tcp', aliases: [], description: null, source: 'iana' },
    ]);
    assert.equal(catalog.servicesPath, null);
    assert.deepEqual(catalog.namedPorts('tcp'), [22]);
  });
});
