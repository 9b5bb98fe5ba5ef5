// earshot scan against real listeners, firewall rules and dead routes in namespaces of our own,
// with nmap -sT in the same namespace as the oracle.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { HostResult, ScanReport } from '../../src/model.js';
import { runEarshot } from '../helpers/cli.js';
import { subtestNeeding } from '../helpers/needs.js';
import { skipUnlessRoot, withNetns } from '../helpers/netns/netns.js';
import { linkNamespaces } from '../helpers/netns/veth.js';
import { nmapConnectScan } from '../helpers/oracles/nmap.js';
import { makeTempDir } from '../helpers/tmp.js';

const hostOf = (report: ScanReport, address: string): HostResult => {
  const host = report.hosts.find((h) => h.address === address);
  assert.ok(host, `no result for ${address}`);
  return host;
};
const openPorts = (host: HostResult) => host.ports.filter((p) => p.state === 'open').map((p) => p.port);
const scanJson = async (args: string[], options: Parameters<typeof runEarshot>[1]) => {
  const result = await runEarshot(['scan', '--json', ...args], options);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as ScanReport;
};

// Ports in the ephemeral range (32768–60999) are where self-connects happen.
const V4_OPEN = [22, 8080, 33001, 45000, 60999];
const V6_OPEN = [8080, 9000];
const LISTENERS = [
  'tcp:127.0.0.1:22',
  'tcp:[::]:8080',
  'tcp:127.0.0.1:33001',
  'tcp:127.0.0.1:45000',
  'tcp:127.0.0.1:60999',
  'tcp6only:[::1]:9000',
];

describe('earshot scan in a namespace', { skip: skipUnlessRoot }, () => {
  it('repeated full -p- scans of both loopbacks are exact (no self-connects), and nmap agrees', async (t) => {
    await withNetns('fullscan', async (ns) => {
      await ns.listen(LISTENERS);
      for (let round = 0; round < 3; round++) {
        const report = await scanJson(['-p-', '127.0.0.1', '::1'], { netns: ns });
        const v4 = hostOf(report, '127.0.0.1');
        const v6 = hostOf(report, '::1');
        assert.deepEqual(openPorts(v4), V4_OPEN, `round ${round}: 127.0.0.1`);
        assert.deepEqual(openPorts(v6), V6_OPEN, `round ${round}: ::1`);
        assert.equal(v4.ports.length, V4_OPEN.length, 'nothing but open and closed on loopback');
        assert.deepEqual(v4.extraPorts, [
          {
            state: 'closed',
            count: 65535 - V4_OPEN.length,
            reasons: { 'conn-refused': 65535 - V4_OPEN.length },
          },
        ]);
        assert.equal(report.scanInfo[0]?.portCount, 65535);
      }
      await subtestNeeding(t, 'nmap -sT agrees', { commands: ['nmap'] }, async () => {
        const nmap = await nmapConnectScan(ns, '127.0.0.1', '1-65535');
        assert.deepEqual(
          [...nmap.states].filter(([, state]) => state === 'open').map(([port]) => port),
          V4_OPEN,
        );
      });
    });
  });

  it('stays exact under a tiny open-files limit (prlimit --nofile=64), workers included', async () => {
    await withNetns('emfile', async (ns) => {
      await ns.listen(LISTENERS);
      // 10,003 ports: enough for two threads (a worker meets EMFILE loading its modules), and bounded.
      const ports = `1-10000,${V4_OPEN.filter((port) => port > 10000).join(',')}`;
      const result = await runEarshot(['scan', '--json', '-p', ports, '127.0.0.1'], {
        netns: ns,
        prefix: ['prlimit', '--nofile=64'],
        timeoutMs: 170_000,
      });
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as ScanReport;
      assert.deepEqual(openPorts(hostOf(report, '127.0.0.1')), V4_OPEN);
      assert.equal(hostOf(report, '127.0.0.1').extraPorts[0]?.count, 10003 - V4_OPEN.length);
    });
  });

  it('treats EMFILE as "retry later": exact results while another part of the process hogs every descriptor', async () => {
    await withNetns('fdhog', async (ns) => {
      await ns.listen(LISTENERS);
      const script = fileURLToPath(new URL('../helpers/fd-pressure-scan.ts', import.meta.url));
      const result = await ns.exec(
        'prlimit',
        ['--nofile=512', process.execPath, '--import', 'tsx', script, ...V4_OPEN.map(String)],
        { timeoutMs: 170_000 },
      );
      assert.equal(result.code, 0, result.stderr);
      const { results, exhausted, scanned } = JSON.parse(result.stdout) as {
        results: { open: number[]; listed: number; extraPorts: { state: string; count: number }[] }[];
        exhausted: number;
        scanned: number;
      };
      // The helper grabs every free descriptor once per 250 probes: a dozen times at least.
      assert.ok(exhausted >= 12, `descriptors ran out ${exhausted} times during the scan`);
      assert.deepEqual(results[0]?.open, V4_OPEN);
      assert.equal(results[0]?.listed, V4_OPEN.length, 'no port called filtered');
      assert.equal(results[0]?.extraPorts[0]?.count, scanned - V4_OPEN.length);
    });
  });

  it('scans a /20 to the end: 4 host groups, every address answering, exact', async () => {
    await withNetns('groups', async (ns) => {
      // Every address of the range is this namespace's own (docs/netns.md, "Many hosts cheaply"):
      // 4,096 hosts that answer.
      await ns.execOk('ip', ['route', 'add', 'local', '10.231.0.0/16', 'dev', 'lo']);
      await ns.listen(['tcp:0.0.0.0:80']);
      const dir = await makeTempDir('groups');
      try {
        const grepable = join(dir.path, 'scan.gnmap');
        // Discovery runs too: each group is asked whether it is up before its ports are probed.
        const result = await runEarshot(['scan', '-p', '22,80,443', '-oG', grepable, '10.231.0.0/20'], {
          netns: ns,
          timeoutMs: 170_000,
        });
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /earshot done: 4096 IP addresses \(4096 hosts up\)/);
        const lines = (await readFile(grepable, 'utf8'))
          .split('\n')
          .filter((line) => line.includes('\tPorts: '));
        assert.equal(lines.length, 4096);
        const addresses = new Set(lines.map((line) => /^Host: (\S+)/.exec(line)?.[1]));
        assert.equal(addresses.size, 4096, 'every address once');
        for (const line of lines) {
          assert.match(line, /\tPorts: 80\/open\/tcp\/\/http\/\/\/\tIgnored State: closed \(2\)$/);
        }
      } finally {
        await dir.remove();
      }
    });
  });

  it('refuses an IPv6 range too large to ever finish, before sending anything', async () => {
    await withNetns('toolarge', async (ns) => {
      for (const range of ['::/0', 'fd00::/64']) {
        const result = await runEarshot(['scan', '-p', '1', range], { netns: ns });
        assert.equal(result.code, 64, result.stderr);
        assert.match(result.stderr, /holds \d+ addresses; at a million a second a scan would take .* years/);
        assert.equal(result.stdout, '');
      }
    });
  });

  it('maps DROP, REJECT admin-prohibited and REJECT port-unreachable like nmap, with reasons, v4 and v6', async (t) => {
    await withNetns('scanner', async (scanner) => {
      await withNetns('target', async (target) => {
        const link = await linkNamespaces(scanner, target);
        await target.listen(['tcp:0.0.0.0:22', 'tcp:[::]:80']);
        const rule = (port: number, ...action: string[]) => [
          '-A',
          'INPUT',
          '-p',
          'tcp',
          '--dport',
          `${port}`,
          '-j',
          ...action,
        ];
        for (const [tool, adminProhibited] of [
          ['iptables', 'icmp-admin-prohibited'],
          ['ip6tables', 'icmp6-adm-prohibited'],
        ] as const) {
          await target.execOk(tool, rule(2001, 'DROP'));
          await target.execOk(tool, rule(2002, 'REJECT', '--reject-with', adminProhibited));
          await target.execOk(tool, rule(2003, 'REJECT'));
        }
        const report = await scanJson(
          ['--reason', '--all-ports', '-p', '22,80,2000-2003', link.bV4, link.bV6],
          {
            netns: scanner,
          },
        );
        const view = (address: string) =>
          Object.fromEntries(hostOf(report, address).ports.map((p) => [p.port, `${p.state}/${p.reason}`]));
        const v4Expected = {
          22: 'open/syn-ack',
          80: 'open/syn-ack',
          2000: 'closed/conn-refused',
          2001: 'filtered/no-response',
          // The kernel reports ICMP admin-prohibited to connect() as EHOSTUNREACH; nmap -sT says host-unreach too.
          2002: 'filtered/host-unreach',
          2003: 'closed/conn-refused',
        };
        assert.deepEqual(view(link.bV4), v4Expected);
        // 22 listens on v4 only. ICMPv6 arrives ~1 s late on veth: the last try waits for it (EACCES).
        assert.deepEqual(view(link.bV6), {
          ...v4Expected,
          22: 'closed/conn-refused',
          2002: 'filtered/admin-prohibited',
        });
        assert.equal(hostOf(report, link.bV4).statusReason, 'syn-ack');
        await subtestNeeding(t, 'nmap -sT agrees', { commands: ['nmap'] }, async () => {
          for (const address of [link.bV4, link.bV6]) {
            const nmap = await nmapConnectScan(scanner, address, '22,80,2000-2003');
            for (const port of hostOf(report, address).ports) {
              assert.equal(
                port.state,
                nmap.states.get(port.port) ?? nmap.ignored,
                `${address} port ${port.port}`,
              );
            }
          }
        });
      });
    });
  });

  it('reports a dead address down, scans it under -Pn, and finds a host with no listeners all closed', async () => {
    await withNetns('scanner', async (scanner) => {
      await withNetns('quiet', async (quiet) => {
        const link = await linkNamespaces(scanner, quiet);
        await scanner.execOk('ip', ['route', 'add', 'unreachable', '10.231.250.0/24']);
        await scanner.execOk('ip', ['-6', 'route', 'add', 'unreachable', 'fd00:231:fa::/64']);
        const report = await scanJson(['-p', '1-2000', link.bV4, '10.231.250.9', 'fd00:231:fa::9'], {
          netns: scanner,
        });
        for (const dead of ['10.231.250.9', 'fd00:231:fa::9']) {
          const host = hostOf(report, dead);
          assert.equal(host.status, 'down');
          assert.equal(host.statusReason, 'host-unreach');
          assert.deepEqual(host.ports, []);
        }
        const quietHost = hostOf(report, link.bV4);
        assert.equal(quietHost.status, 'up');
        assert.equal(quietHost.statusReason, 'conn-refused');
        assert.deepEqual(quietHost.ports, []);
        assert.deepEqual(quietHost.extraPorts, [
          { state: 'closed', count: 2000, reasons: { 'conn-refused': 2000 } },
        ]);
        assert.deepEqual([report.stats.hostsUp, report.stats.hostsDown], [1, 2]);

        const forced = await scanJson(['--Pn', '-p', '1-50', '10.231.250.9'], { netns: scanner });
        const host = hostOf(forced, '10.231.250.9');
        assert.deepEqual([host.status, host.statusReason], ['up', 'user-set']);
        assert.deepEqual(host.extraPorts, [
          { state: 'filtered', count: 50, reasons: { 'host-unreach': 50 } },
        ]);
      });
    });
  });

  it('paces probes: --max-rate 200 spreads 200 ports over ~1 s, -T2 waits 0.4 s between probes', async () => {
    await withNetns('pacing', async (ns) => {
      await ns.listen(['tcp:127.0.0.1:3']);
      for (const [args, minMs] of [
        [['--max-rate', '200', '-p', '1-200'], 900],
        [['-T2', '-p', '1-3'], 750],
      ] as const) {
        const started = Date.now();
        const report = await scanJson([...args, '127.0.0.1'], { netns: ns });
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= minMs, `${args.join(' ')} took ${elapsed} ms, expected ≥ ${minMs}`);
        assert.deepEqual(openPorts(hostOf(report, '127.0.0.1')), [3]);
      }
    });
  });

  it('gives up on a silent host at --host-timeout and says so', async () => {
    await withNetns('scanner', async (scanner) => {
      await withNetns('silent', async (silent) => {
        const link = await linkNamespaces(scanner, silent);
        await silent.execOk('iptables', ['-A', 'INPUT', '-p', 'tcp', '-j', 'DROP']);
        const started = Date.now();
        const report = await scanJson(['--Pn', '--host-timeout', '300ms', '-p', '1-1000', link.bV4], {
          netns: scanner,
        });
        assert.ok(Date.now() - started < 5000, 'the timeout bounds the scan');
        const host = hostOf(report, link.bV4);
        assert.equal(host.timedOut, true);
        assert.deepEqual(host.ports, []);
      });
    });
  });
});
