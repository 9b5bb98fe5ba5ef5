import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBaseline } from '../../src/reconcile/baseline.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { host, input, listener, owner } from './scene.js';

const sshd = owner(400, 'sshd', '/usr/sbin/sshd');
const rpcbind = owner(300, 'rpcbind', '/usr/sbin/rpcbind', { user: '_rpc', uid: 108 });
const ypbinds = [653, 655, 656, 657].map((pid) => owner(pid, 'ypbind', '/usr/sbin/ypbind'));
const bindFree = (protocol: 'tcp' | 'udp', inUse: number[] = [], unknown: number[] = []) =>
  (['ipv4', 'ipv6'] as const).map((family) => ({
    protocol,
    family,
    available: true,
    unavailableReason: null,
    inUse,
    unknown,
  }));

describe('reconcile: RPC registrations that share a port number across families', () => {
  // Seen with Debian's ypserv and ypbind: ypserv holds tcp 0.0.0.0:906, ypbind a v6-only tcp6 :::906,
  // and rpcbind v4 lists each program with its own universal address.
  const ypserv = owner(700, 'ypserv', '/usr/sbin/ypserv');
  const ypbind = owner(701, 'ypbind', '/usr/sbin/ypbind');
  const registration = (program: number, name: string, family: 'ipv4' | 'ipv6', uaddr: string | null) => ({
    program,
    version: 2,
    protocol: 'tcp' as const,
    port: 906,
    address: uaddr,
    name,
    family,
  });

  it('gives each listener its own program, by its universal address', () => {
    const result = reconcile(
      input({
        sockets: [listener('tcp', '0.0.0.0', 906, [ypserv]), listener('tcp', '::', 906, [ypbind])],
        hosts: [host('127.0.0.1', [906]), host('::1', [906])],
        rpc: [
          registration(100004, 'ypserv', 'ipv4', '0.0.0.0.3.138'),
          registration(100007, 'ypbind', 'ipv6', '::.3.138'),
        ],
      }),
    );
    const rowAt = (address: string) => result.ports.find((port) => port.address === address);
    assert.deepEqual(
      rowAt('0.0.0.0')?.rpc.map((r) => r.name),
      ['ypserv'],
    );
    assert.deepEqual(
      rowAt('::')?.rpc.map((r) => r.name),
      ['ypbind'],
    );
    assert.match(rowAt('::')?.verdict.summary ?? '', /^ypbind \(RPC 100007 v2\), owned by ypbind\[701\]/);
  });

  it('takes a portmap v2 registration (no address) as IPv4, and one listener as the receiver of all', () => {
    const shared = reconcile(
      input({
        sockets: [listener('tcp', '0.0.0.0', 906, [ypserv]), listener('tcp', '::', 906, [ypbind])],
        hosts: [host('127.0.0.1', [906])],
        rpc: [registration(100004, 'ypserv', 'ipv4', null)],
      }),
    );
    assert.deepEqual(
      shared.ports.map((port) => `${port.address} ${port.rpc.map((r) => r.name).join(',')}`).sort(),
      ['0.0.0.0 ypserv', ':: '],
    );
    const alone = reconcile(
      input({
        sockets: [listener('tcp', '::', 906, [ypbind])],
        hosts: [host('127.0.0.1', [906])],
        rpc: [
          registration(100007, 'ypbind', 'ipv4', null),
          registration(100007, 'ypbind', 'ipv6', '::.3.138'),
        ],
      }),
    );
    assert.equal(alone.ports[0]?.rpc.length, 2, 'a dual-stack :: listener serves both');
  });
});

describe('reconcile: the guide scene', () => {
  const result = reconcile(
    input({
      sockets: [
        listener('tcp', '0.0.0.0', 22, [sshd]),
        listener('tcp', '::', 22, [sshd]),
        listener('tcp', '0.0.0.0', 111, [rpcbind]),
        listener('tcp', '0.0.0.0', 834, ypbinds),
      ],
      hosts: [host('127.0.0.1', [22, 111, 834]), host('::1', [22])],
      rpc: [
        { program: 100000, version: 2, protocol: 'tcp', port: 111, address: null, name: 'portmapper' },
        { program: 100007, version: 2, protocol: 'tcp', port: 834, address: null, name: 'ypbind' },
      ],
      bind: bindFree('tcp', [22, 111, 834]),
    }),
  );

  it('explains port 834 by its RPC registration and groups the four ypbind PIDs', () => {
    const row = result.ports.find((port) => port.port === 834);
    assert.ok(row);
    assert.equal(row.verdict.level, 'notice');
    assert.match(row.verdict.summary, /ypbind \(RPC 100007 v2\)/);
    assert.match(row.verdict.summary, /ypbind\[653,655,656,657\]/);
    const finding = result.findings.find((candidate) => candidate.port === 834);
    assert.equal(finding?.kind, 'unregistered-reserved-port');
    assert.equal(finding?.severity, 'notice');
    assert.equal(result.findings.filter((candidate) => candidate.port === 834).length, 1);
  });

  it('attaches each answer to the most specific listener and finds nothing above notice', () => {
    const v4 = result.ports.find((port) => port.port === 22 && port.address === '0.0.0.0');
    const v6 = result.ports.find((port) => port.port === 22 && port.address === '::');
    assert.deepEqual(
      v4?.network.map((o) => o.address),
      ['127.0.0.1'],
    );
    assert.deepEqual(
      v6?.network.map((o) => o.address),
      ['::1'],
    );
    assert.deepEqual(result.summary, { critical: 0, warning: 0, notice: 1, info: 0 });
  });
});

describe('reconcile: what does not add up', () => {
  it('calls a reachable port with no socket and a busy bind a hidden listener', () => {
    const result = reconcile(
      input({ sockets: [], hosts: [host('127.0.0.1', [31337])], bind: bindFree('tcp', [31337]) }),
    );
    assert.deepEqual(
      result.findings.map((f) => [f.kind, f.severity, f.port]),
      [['hidden-listener', 'critical', 31337]],
    );
    assert.equal(result.ports[0]?.inKernelTable, false);
    assert.match(result.ports[0]?.verdict.summary ?? '', /HIDDEN/);
  });

  it('names the NAT target of a forwarded port from conntrack', () => {
    const result = reconcile(
      input({
        sockets: [],
        hosts: [host('10.231.0.1', [8080])],
        bind: bindFree('tcp'),
        conntrack: {
          available: true,
          detail: 'test',
          entries: [
            {
              protocol: 'tcp',
              family: 'ipv4',
              original: {
                source: '10.231.0.1',
                sourcePort: 50000,
                destination: '10.231.0.1',
                destinationPort: 8080,
              },
              reply: {
                source: '10.231.0.2',
                sourcePort: 80,
                destination: '10.231.0.1',
                destinationPort: 50000,
              },
            },
          ],
        },
      }),
    );
    assert.equal(result.findings[0]?.kind, 'forwarded-port');
    assert.equal(result.findings[0]?.severity, 'notice');
    assert.match(result.findings[0]?.message ?? '', /10\.231\.0\.2:80/);
  });

  it('does not cry rootkit when the port is free locally, and says no NAT record proves it', () => {
    const result = reconcile(
      input({
        sockets: [],
        hosts: [host('127.0.0.1', [8080])],
        bind: bindFree('tcp'),
        conntrack: { available: false, detail: 'no conntrack', entries: [] },
      }),
    );
    assert.equal(result.findings[0]?.kind, 'forwarded-port');
    assert.match(result.findings[0]?.message ?? '', /no NAT record proves/);
  });

  it('takes a dual-stack :: listener as the receiver of IPv4 answers', () => {
    const result = reconcile(
      input({ sockets: [listener('tcp', '::', 8080, [sshd])], hosts: [host('127.0.0.1', [8080])] }),
    );
    assert.equal(result.findings.length, 0);
    assert.equal(result.ports[0]?.network[0]?.address, '127.0.0.1');
  });

  it('reports a port the kernel will not bind that no table lists', () => {
    const result = reconcile(
      input({ sockets: [], hosts: [host('127.0.0.1', [])], bind: bindFree('tcp', [4444]) }),
    );
    assert.deepEqual(
      result.findings.map((f) => [f.kind, f.port]),
      [['hidden-bound-port', 4444]],
    );
  });

  it('cannot rule out a hidden listener on a reserved port the bind witness could not probe', () => {
    const result = reconcile(
      input({
        sockets: [],
        hosts: [host('127.0.0.1', [834])],
        bind: bindFree('tcp', [], [834]),
        conntrack: { available: false, detail: 'not root', entries: [] },
      }),
    );
    assert.equal(result.findings[0]?.kind, 'hidden-listener');
    assert.ok(result.findings[0]?.evidence.some((e) => /could not be probed/.test(e.detail)));
  });

  it('gives a listener on a port the scan never probed no network state and no local-only finding', () => {
    const result = reconcile({
      ...input({ sockets: [listener('tcp', '0.0.0.0', 31337, [sshd])], hosts: [host('127.0.0.1', [])] }),
      scannedPorts: { tcp: [22, 80] },
    });
    assert.deepEqual(result.ports[0]?.network, []);
    assert.equal(result.ports[0]?.networkScanned, false);
    assert.deepEqual(result.findings, []);
  });

  it('does not report the same hidden port twice', () => {
    const result = reconcile(
      input({ sockets: [], hosts: [host('127.0.0.1', [4444])], bind: bindFree('tcp', [4444]) }),
    );
    assert.deepEqual(
      result.findings.map((f) => f.kind),
      ['hidden-listener'],
    );
  });

  it('warns about an unexplained reserved port and a deleted executable', () => {
    const ghost = owner(900, 'x', '/tmp/x', { exeDeleted: true });
    const result = reconcile(
      input({ sockets: [listener('tcp', '0.0.0.0', 834, [])], hosts: [host('127.0.0.1', [834, 9999])] }),
    );
    assert.equal(result.findings.find((f) => f.port === 834)?.severity, 'warning');
    const hiddenOrNot = reconcile(
      input({ sockets: [listener('tcp', '0.0.0.0', 9999, [ghost])], hosts: [host('127.0.0.1', [9999])] }),
    );
    assert.deepEqual(hiddenOrNot.findings.map((f) => f.kind).sort(), ['suspicious-owner', 'unknown-service']);
    const unexplained = reconcile(
      input({
        sockets: [
          {
            ...listener('tcp', '0.0.0.0', 834, []),
            ownerStatus: { kind: 'unknown', reason: 'EACCES', message: 'owner unknown: run as root' },
          },
        ],
        hosts: [host('127.0.0.1', [834])],
      }),
    );
    assert.deepEqual(
      unexplained.findings.map((f) => [f.kind, f.severity]),
      [
        ['unregistered-reserved-port', 'warning'],
        ['owner-unknown', 'notice'],
      ],
    );
  });

  it('marks a listener nobody reached as local-only', () => {
    const result = reconcile(
      input({ sockets: [listener('tcp', '10.0.0.5', 22, [sshd])], hosts: [host('127.0.0.1', [])] }),
    );
    assert.deepEqual(
      result.findings.map((f) => [f.kind, f.severity]),
      [['local-only', 'info']],
    );
  });
});

describe('reconcile: baseline drift', () => {
  const baseline = parseBaseline(
    'version: 1\nlisteners:\n  - { protocol: tcp, port: 22, exe: /usr/sbin/sshd }\n  - { protocol: tcp, rpc: 100007 }\n  - { protocol: tcp, port: 25 }\n',
    'baseline.yaml',
  );

  it('flags a new listener as critical and a missing one as a warning', () => {
    const result = reconcile(
      input({
        sockets: [
          listener('tcp', '0.0.0.0', 22, [sshd]),
          listener('tcp', '0.0.0.0', 700, ypbinds),
          listener('tcp', '0.0.0.0', 8080, [owner(77, 'nc', '/usr/bin/nc')]),
        ],
        hosts: [host('127.0.0.1', [22, 700, 8080])],
        rpc: [{ program: 100007, version: 2, protocol: 'tcp', port: 700, address: null, name: 'ypbind' }],
        baseline,
      }),
    );
    const drift = result.findings
      .filter((f) => f.kind.includes('baseline'))
      .map((f) => [f.kind, f.severity, f.port]);
    assert.deepEqual(drift, [
      ['not-in-baseline', 'critical', 8080],
      ['missing-from-baseline', 'warning', 25],
    ]);
  });
});
