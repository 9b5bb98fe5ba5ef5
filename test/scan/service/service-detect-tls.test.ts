// TLS detection with Node TLS servers on loopback: SNI and ALPN go out, the certificate comes back,
// and the protocol inside the tunnel is probed like a cleartext one.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { detectServices } from '../../../src/scan/service/service-detect.js';
import { makeSelfSignedCert } from '../../helpers/daemons/daemons.js';

const fast = { portTimeoutMs: 6000, probeTimeoutMs: 800, bannerWaitMs: 300 };

describe('detectServices over TLS', () => {
  let key: Buffer;
  let cert: Buffer;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'earshot-tls-'));
    await makeSelfSignedCert(dir, '/CN=tls.earshot.test/O=earshot tests');
    key = await readFile(join(dir, 'key.pem'));
    cert = await readFile(join(dir, 'cert.pem'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function serve(options: { alpn?: string[] }, onSecure: (socket: TLSSocket) => void) {
    const names: (string | false)[] = [];
    const server: Server = createServer(
      { key, cert, ...(options.alpn ? { ALPNProtocols: options.alpn } : {}) },
      (socket) => {
        names.push(socket.servername ?? false);
        socket.on('error', () => {});
        onSecure(socket);
      },
    );
    server.on('tlsClientError', () => {});
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    return { server, names, port: typeof address === 'object' && address ? address.port : 0 };
  }

  it('sends SNI and ALPN and reports h2 with the certificate', async () => {
    const { server, names, port } = await serve({ alpn: ['h2', 'http/1.1'] }, () => {});
    try {
      const found = await detectServices(
        { address: '127.0.0.1', hostname: 'tls.earshot.test' },
        [port],
        fast,
      );
      const service = found.services.get(port);
      assert.ok(service, 'identified');
      assert.equal(service.name, 'http');
      assert.equal(service.tunnel, 'ssl');
      assert.equal(service.extraInfo, 'HTTP/2');
      assert.equal(service.tls?.alpn, 'h2');
      assert.match(service.tls?.subject ?? '', /CN=tls\.earshot\.test/);
      assert.match(service.tls?.issuer ?? '', /O=earshot tests/);
      assert.equal(service.tls?.selfSigned, true);
      assert.ok(names.includes('tls.earshot.test'), `SNI seen: ${names}`);
    } finally {
      server.close();
    }
  });

  it('finds a banner protocol inside TLS on a port with no TLS default', async () => {
    const { server, port } = await serve({}, (socket) =>
      socket.write('* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n'),
    );
    try {
      const found = await detectServices({ address: '127.0.0.1' }, [port], fast);
      const service = found.services.get(port);
      assert.ok(service, 'identified');
      assert.equal(service.name, 'imap');
      assert.equal(service.product, 'Dovecot imapd');
      assert.equal(service.tunnel, 'ssl');
      assert.match(service.tls?.protocol ?? '', /^TLSv1\.3$/);
    } finally {
      server.close();
    }
  });
});
