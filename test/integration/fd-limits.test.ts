// verify and scan -sU under hard open-files limits (prlimit --nofile=N:N) in a namespace with
// listeners of our own: running out of descriptors is "retry later" everywhere (the UDP engine, the
// bind witness, service detection, the portmapper query), so every limit gives the very report an
// unlimited run gives, only slower.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostResult, ScanReport, VerifyReport } from '../../src/model.js';
import { earshotBin } from '../helpers/cli.js';
import { type Netns, skipUnlessRoot, withNetns } from '../helpers/netns/netns.js';
import { verifyIn } from '../helpers/verify-run.js';

// Ports under 2000, so that every run scans (and the bind witness judges) a bounded range.
const LISTENERS = [
  'tcp:127.0.0.1:22',
  'tcp:[::]:80',
  'tcp:127.0.0.1:1500',
  'tcp6only:[::1]:1600',
  'udp:127.0.0.1:53',
  'udp:[::1]:1900',
  'udpsilent:127.0.0.1:1700',
];
const PORTS = '1-2000';
const LIMITS = [64, 256, 1024];

const prlimit = (limit: number) => ['prlimit', `--nofile=${limit}:${limit}`];

/** What a verify report says that must not depend on the limit. */
const judged = (report: VerifyReport) => ({
  ports: report.ports,
  findings: report.findings,
  witnesses: report.witnesses.map(({ witness, available }) => ({ witness, available })),
});

async function scanUdp(ns: Netns, limit: number | null): Promise<ScanReport> {
  const command = [
    ...(limit === null ? [] : prlimit(limit)),
    process.execPath,
    earshotBin,
    'scan',
    '--json',
    '-sU',
    '-p',
    PORTS,
    '127.0.0.1',
    '::1',
  ];
  const result = await ns.exec(command[0]!, command.slice(1), { timeoutMs: 170_000 });
  assert.equal(result.code, 0, `limit ${limit}: ${result.stderr}`);
  return JSON.parse(result.stdout) as ScanReport;
}

const udpView = (host: HostResult | undefined) => ({
  listed: host?.ports.map((port) => `${port.port}/${port.state}`),
  folded: host?.extraPorts.map((extra) => `${extra.count} ${extra.state}`),
});

describe('under a hard open-files limit', { skip: skipUnlessRoot }, () => {
  it('verify gives the unlimited run’s report at 64, 256 and 1024 descriptors', async () => {
    await withNetns('fdverify', async (ns) => {
      await ns.listen(LISTENERS);
      const reference = await verifyIn(ns, ['-p', PORTS]);
      // The reference itself is right: every listener is seen by the network and the kernel.
      const seen = reference.report.ports
        .filter((row) => row.inKernelTable && row.network.some((network) => network.state.startsWith('open')))
        .map((row) => `${row.protocol}/${row.address}/${row.port}`)
        .sort();
      // (The dual-stack listener is one row, on its wildcard address, seen open at both loopbacks.)
      assert.deepEqual(seen, [
        'tcp/127.0.0.1/1500',
        'tcp/127.0.0.1/22',
        'tcp/::/80',
        'tcp/::1/1600',
        'udp/127.0.0.1/1700',
        'udp/127.0.0.1/53',
        'udp/::1/1900',
      ]);
      assert.deepEqual(
        reference.report.ports
          .find((row) => row.protocol === 'tcp' && row.port === 80)
          ?.network.map((network) => `${network.address} ${network.state}`),
        ['127.0.0.1 open', '::1 open'],
      );
      for (const limit of LIMITS) {
        const limited = await verifyIn(ns, ['-p', PORTS], prlimit(limit));
        assert.equal(limited.code, reference.code, `limit ${limit}: ${limited.stderr}`);
        assert.deepEqual(judged(limited.report), judged(reference.report), `limit ${limit}`);
      }
    });
  });

  it('scan -sU of two hosts gives the same ports at 64, 256 and 1024 descriptors', async () => {
    await withNetns('fdudp', async (ns) => {
      await ns.listen(LISTENERS);
      const reference = await scanUdp(ns, null);
      const v4 = reference.hosts.find((host) => host.address === '127.0.0.1');
      const v6 = reference.hosts.find((host) => host.address === '::1');
      assert.deepEqual(udpView(v4), { listed: ['53/open', '1700/open|filtered'], folded: ['1998 closed'] });
      assert.deepEqual(udpView(v6), { listed: ['1900/open'], folded: ['1999 closed'] });
      for (const limit of LIMITS) {
        const limited = await scanUdp(ns, limit);
        for (const address of ['127.0.0.1', '::1']) {
          assert.deepEqual(
            udpView(limited.hosts.find((host) => host.address === address)),
            udpView(reference.hosts.find((host) => host.address === address)),
            `limit ${limit}, ${address}`,
          );
        }
      }
    });
  });
});
