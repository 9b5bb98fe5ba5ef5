// earshot verify --interfaces: this host's interface addresses scanned beside loopback, in a
// namespace whose one veth carries 10.231.n.1 and fd00:231:n::1. A listener bound to the interface
// address alone is reached there; nothing of the scan's own (its UDP sockets) passes for a listener.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { skipUnlessRoot, withNetns } from '../helpers/netns/netns.js';
import { linkNamespaces } from '../helpers/netns/veth.js';
import { findingsOf, rowFor, verifyIn } from '../helpers/verify-run.js';

describe('earshot verify --interfaces', { skip: skipUnlessRoot }, () => {
  it("scans the interfaces' addresses too and explains every port it finds there", async () => {
    await withNetns('vif', async (ns) => {
      await withNetns('vifpeer', async (peer) => {
        const link = await linkNamespaces(ns, peer);
        await ns.listen([`tcp:${link.aV4}:9090`, 'tcp:0.0.0.0:8080', 'udp:0.0.0.0:40000', 'udp:[::]:40000']);
        const { code, report } = await verifyIn(ns, ['--interfaces', '--no-version']);

        assert.deepEqual(report.scanned.addresses, ['127.0.0.1', '::1', link.aV4, link.aV6]);
        const onInterface = rowFor(report, 'tcp', 9090, link.aV4);
        assert.deepEqual(
          onInterface?.network.map((seen) => `${seen.address} ${seen.state}`),
          [`${link.aV4} open`],
          'the listener on the interface address is reached there, and only there',
        );
        assert.equal(onInterface?.inKernelTable, true);
        const wildcard = rowFor(report, 'tcp', 8080, '0.0.0.0');
        assert.deepEqual(
          wildcard?.network.map((seen) => seen.address).sort(),
          ['127.0.0.1', link.aV4].sort(),
        );
        const udp = rowFor(report, 'udp', 40000, '0.0.0.0');
        assert.ok(udp?.network.some((seen) => seen.address === link.aV4 && seen.state === 'open'));

        for (const kind of ['hidden-listener', 'hidden-bound-port', 'forwarded-port'] as const) {
          assert.deepEqual(findingsOf(report, kind), [], `no ${kind}: nothing here hides or forwards`);
        }
        const unexplained = report.ports.filter((row) => !row.inKernelTable);
        assert.deepEqual(
          unexplained.map((row) => `${row.port}/${row.protocol} ${row.address}`),
          [],
          'every port found is a listener of the kernel table (none of the scan own sockets)',
        );
        // 8080 and 9090 (tcp) and 40000 (udp) are named by the service catalog: nothing to report.
        assert.deepEqual(report.findings, [], 'every port is explained');
        assert.equal(code, 0, 'exit 0: no finding at all');
      });
    });
  });
});
