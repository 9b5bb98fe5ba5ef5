// HTTPS with a certificate made by openssl for this test: the API answers over TLS to a client
// that trusts that certificate, a client that does not is refused, and cookies are Secure.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../../../src/fleet/server/server.js';
import { makeSelfSignedCert } from '../../helpers/daemons/daemons.js';
import { skipUnlessPostgres, startTestPostgres, type TestPostgres } from '../../helpers/daemons/postgres.js';
import { skipUnless } from '../../helpers/needs.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { requestOverTls as get, readToken, startTestServer, user } from '../harness.js';

const skip = skipUnlessPostgres || skipUnless({ commands: ['openssl'] });

describe('fleet server over TLS', { skip }, () => {
  let pg: TestPostgres;
  let dir: TempDir;
  let server: RunningServer;
  let cert: Buffer;
  before(async () => {
    [pg, dir] = await Promise.all([startTestPostgres(), makeTempDir('fleet-tls')]);
    const tls = await makeSelfSignedCert(dir.path, '/CN=localhost', 'IP:127.0.0.1');
    cert = await readFile(tls.certFile);
    server = await startTestServer(pg.url(), {
      tls,
    });
  });
  after(async () => {
    await server?.close();
    await Promise.all([pg?.remove(), dir?.remove()]);
  });

  it('serves the API over HTTPS to a client that trusts the certificate', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const token = await readToken(pg.url(), 'tls-viewer');
    const reply = await get(`${server.url}/api/hosts`, { ca: cert, token });
    assert.equal(reply.status, 200, reply.body);
    assert.deepEqual(JSON.parse(reply.body), { hosts: [] });
    assert.equal(reply.headers['strict-transport-security'], 'max-age=31536000');
  });

  it('is refused by a client that does not trust the certificate', async () => {
    await assert.rejects(get(`${server.url}/api/hosts`, {}), /self[- ]signed/i);
  });

  it('marks the session cookie Secure', async () => {
    await user(pg.url(), 'tls-user', 'viewer', 'a long enough password');
    const reply = await get(`${server.url}/login`, {
      ca: cert,
      method: 'POST',
      type: 'application/x-www-form-urlencoded',
      body: 'name=tls-user&password=a+long+enough+password',
    });
    assert.equal(reply.status, 303);
    assert.match(String(reply.headers['set-cookie']), /; Secure/);
  });

  it('fails to start with ERR_OPTION naming a missing key file', async () => {
    await assert.rejects(
      startTestServer(pg.url(), {
        tls: { certFile: `${dir.path}/cert.pem`, keyFile: `${dir.path}/nope.pem` },
      }),
      /Cannot read the TLS key .*nope\.pem/,
    );
  });
});
