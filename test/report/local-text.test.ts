import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Inventory, Owner, Socket } from '../../src/model.js';
import { formatEndpoint, formatOwners, renderLocalText } from '../../src/report/local-text.js';

const owner = (pid: number, extra: Partial<Owner> = {}): Owner => ({
  pid,
  ppid: 1,
  name: 'ypbind',
  cmdline: ['/usr/sbin/ypbind'],
  exe: '/usr/sbin/ypbind',
  exeDeleted: false,
  uid: 0,
  user: 'root',
  startTime: null,
  unit: null,
  container: null,
  ...extra,
});

const socket = (extra: Partial<Socket>): Socket => ({
  protocol: 'tcp',
  family: 'ipv4',
  state: 'LISTEN',
  localAddress: '0.0.0.0',
  localPort: 834,
  remoteAddress: '0.0.0.0',
  remotePort: 0,
  sendQueue: 0,
  receiveQueue: 0,
  inode: 1319,
  uid: 0,
  user: 'root',
  netns: '4026531840',
  owners: [],
  ownerStatus: { kind: 'known' },
  ...extra,
});

describe('local text report', () => {
  it('groups owners by name and executable, pids sorted, deleted executables marked', () => {
    assert.equal(
      formatOwners([owner(657), owner(653), owner(655), owner(656)]),
      'ypbind[653,655,656,657] /usr/sbin/ypbind',
    );
    assert.equal(
      formatOwners([
        owner(10, { name: 'nginx' }),
        owner(11, { name: 'nginx', exe: '/tmp/x', exeDeleted: true }),
      ]),
      'nginx[10] /usr/sbin/ypbind; nginx[11] /tmp/x (deleted)',
    );
    assert.equal(formatOwners([owner(5, { exe: null })]), 'ypbind[5]');
  });

  it('brackets IPv6 and writes a peer port 0 as *', () => {
    assert.equal(formatEndpoint('::1', 22, 'ipv6'), '[::1]:22');
    assert.equal(formatEndpoint('127.0.0.1', 22, 'ipv6'), '127.0.0.1:22');
    assert.equal(formatEndpoint('::', 0, 'ipv6', true), '[::]:*');
  });

  it('shows netns with its container, unknown owners, and says what could not be seen', () => {
    const inventory: Inventory = {
      sockets: [
        socket({ owners: [owner(653), owner(655)], container: 'f'.repeat(64) }),
        socket({
          localPort: 22,
          uid: 1000,
          user: null,
          ownerStatus: { kind: 'unknown', reason: 'EACCES', message: 'owner unknown: run as root' },
        }),
      ],
      warnings: [],
      complete: false,
    };
    const text = renderLocalText(inventory, { showNetns: true });
    const lines = text.trimEnd().split('\n');
    assert.match(lines[0]!, /^Netid State\s+Recv-Q Send-Q Local Address:Port Netns\s+User Process$/);
    assert.match(
      lines[1]!,
      /^tcp\s+LISTEN 0\s+0\s+0\.0\.0\.0:834\s+4026531840 \(ffffffffffff\) root ypbind\[653,655\]/,
    );
    assert.match(lines[2]!, /0\.0\.0\.0:22 .* 1000 owner unknown: run as root$/);
    assert.equal(
      lines[4],
      '1 socket(s) have owners this user may not see: run as root to see every process.',
    );
  });

  it('escapes what processes control: names, paths, users', () => {
    const evil = owner(1, { name: 'a\u001b[2Jb', exe: '/tmp/\u202eexe', user: 'u\u0007' });
    const text = renderLocalText({ sockets: [socket({ owners: [evil] })], warnings: [], complete: true });
    assert.doesNotMatch(text, /[\u001b\u0007\u202e]/);
    assert.match(text, /u\\x07 a\\x1b\[2Jb\[1\] \/tmp\/\\u202eexe/);
  });

  it('says so when nothing matches', () => {
    assert.match(renderLocalText({ sockets: [], warnings: [], complete: true }), /^\(no sockets match\)$/m);
  });
});
