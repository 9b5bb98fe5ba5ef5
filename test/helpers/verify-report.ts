// A VerifyReport made by the real reconciler from the guide scene, plus a hostile process name and a
// port the network sees but no socket explains, for the verify renderers' tests.
import type { VerifyReport } from '../../src/model.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { host, input, listener, owner } from '../reconcile/scene.js';

/** The name a hostile process gives itself. */
export const HOSTILE_NAME = '<script>alert(1)</script>\u001b[2J';

/** The guide scene: sshd, rpcbind, four ypbinds on 834, a hostile 8080, and a hidden 31337. */
export function guideVerifyReport(): VerifyReport {
  const sshd = owner(400, 'sshd', '/usr/sbin/sshd');
  const rpcbind = owner(300, 'rpcbind', '/usr/sbin/rpcbind', { user: '_rpc', uid: 108 });
  const ypbinds = [653, 655, 656, 657].map((pid) => owner(pid, 'ypbind', '/usr/sbin/ypbind'));
  const evil = owner(666, HOSTILE_NAME, '/tmp/.x/<b>', {
    cmdline: ['/tmp/.x/<b>', '--"&\''],
    user: 'nobody',
    uid: 65534,
  });
  const result = reconcile(
    input({
      sockets: [
        listener('tcp', '0.0.0.0', 22, [sshd]),
        listener('tcp', '::', 22, [sshd]),
        listener('tcp', '0.0.0.0', 111, [rpcbind]),
        listener('tcp', '0.0.0.0', 834, ypbinds),
        listener('tcp', '0.0.0.0', 8080, [evil]),
      ],
      hosts: [host('127.0.0.1', [22, 111, 834, 8080, 31337]), host('::1', [22])],
      rpc: [
        { program: 100000, version: 2, protocol: 'tcp', port: 111, address: null, name: 'portmapper' },
        { program: 100007, version: 2, protocol: 'tcp', port: 834, address: null, name: 'ypbind' },
      ],
    }),
  );
  return {
    tool: 'earshot',
    version: '0.1.0',
    kind: 'verify',
    args: ['earshot', 'verify'],
    host: { hostname: 'guide.test', privileged: true },
    scanned: { addresses: ['127.0.0.1', '::1'], protocols: ['tcp'], portCount: 65535, portSpec: '1-65535' },
    witnesses: [
      { witness: 'network', available: true, detail: 'TCP connect scan of 127.0.0.1, ::1' },
      { witness: 'kernel', available: true, detail: '/proc/net/tcp, tcp6' },
    ],
    ports: result.ports,
    findings: result.findings,
    summary: result.summary,
    stats: {
      startedAt: '2026-11-26T15:20:14.000Z',
      endedAt: '2026-11-26T15:20:19.500Z',
      elapsedMs: 5500,
      interrupted: false,
    },
  };
}
