// Owners in words: one grouping and one `name[pids]` for verdicts, verify's reports and local's table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeOwners, formatOwnerGroup, groupOwners } from '../../src/describe/owners.js';
import type { Owner } from '../../src/model.js';
import { owner as sceneOwner } from '../reconcile/scene.js';

const owner = (pid: number, extra: Partial<Owner> = {}) => sceneOwner(pid, 'nginx', '/usr/sbin/nginx', extra);

// nginx's master runs as root, its workers as www-data; all four hold the listening socket.
const nginx = [
  owner(912, { uid: 33, user: 'www-data' }),
  owner(77),
  owner(911, { uid: 33, user: 'www-data' }),
  owner(77),
];

describe('groupOwners', () => {
  it('groups by process and user for verify, by process alone for local; PIDs once, ascending', () => {
    assert.deepEqual(
      groupOwners(nginx).map((group) => [group.user, group.pids]),
      [
        ['root', [77]],
        ['www-data', [911, 912]],
      ],
    );
    assert.deepEqual(
      groupOwners(nginx, 'process').map((group) => group.pids),
      [[77, 911, 912]],
    );
  });

  it('keeps a deleted executable apart when grouping by process, and names an unnamed user by uid', () => {
    const groups = groupOwners([owner(5), owner(6, { exeDeleted: true })], 'process');
    assert.equal(groups.length, 2);
    assert.equal(groupOwners([owner(7, { user: null, uid: 1001 })])[0]?.user, '1001');
  });
});

describe('formatOwnerGroup and describeOwners', () => {
  it('write name[pids], with the executable or the user when asked', () => {
    const [root, workers] = groupOwners(nginx);
    assert.equal(formatOwnerGroup(root!), 'nginx[77]');
    assert.equal(formatOwnerGroup(workers!, { user: true }), 'nginx[911,912] (www-data)');
    const deleted = groupOwners([owner(5, { exeDeleted: true })])[0]!;
    assert.equal(formatOwnerGroup(deleted, { exe: true }), 'nginx[5] /usr/sbin/nginx (deleted)');
    assert.equal(formatOwnerGroup(groupOwners([owner(5, { exe: null })])[0]!, { exe: true }), 'nginx[5]');
    assert.equal(describeOwners(nginx), 'nginx[77], nginx[911,912]');
    assert.equal(describeOwners(nginx, { user: true }), 'nginx[77] (root), nginx[911,912] (www-data)');
  });
});
