// -O and -sS against a namespace host over veth: the guess says Linux, and with the host's
// net.ipv4.ip_default_ttl at 128 the evidence shows it; -sS agrees with -sT port for port; without
// raw sockets (an unprivileged user) -O says so and -sS is a usage error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostResult, ScanReport } from '../../src/model.js';
import { runEarshot } from '../helpers/cli.js';
import { meets } from '../helpers/needs.js';
import { type Netns, skipUnlessRoot, withNetns } from '../helpers/netns/netns.js';
import { linkNamespaces } from '../helpers/netns/veth.js';

const OPEN = [22, 8080, 45000];
const DROPPED = 9000;
const PORTS = '20-25,8080,9000,45000';

async function scan(scanner: Netns, args: string[]): Promise<ScanReport> {
  const result = await runEarshot(['scan', '--json', '-Pn', ...args], { netns: scanner, timeoutMs: 60_000 });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as ScanReport;
}

const stateList = (host: HostResult) => host.ports.map((p) => `${p.port}/${p.state}`).join(' ');

describe('earshot scan -O and -sS in namespaces', { skip: skipUnlessRoot }, () => {
  it('guesses Linux, sees ip_default_ttl=128 in the evidence, and -sS equals -sT', async (t) => {
    if (!meets(t, { commands: ['iptables'] })) return;
    await withNetns('oscan', async (scanner) => {
      await withNetns('ohost', async (host) => {
        const link = await linkNamespaces(scanner, host);
        await host.listen(OPEN.map((port) => `tcp:0.0.0.0:${port}`));
        await host.execOk('iptables', ['-A', 'INPUT', '-p', 'tcp', '--dport', String(DROPPED), '-j', 'DROP']);

        const linux = (await scan(scanner, ['-O', '-p', PORTS, link.bV4])).hosts[0]!;
        assert.ok(linux.os, 'an OS guess');
        assert.equal(linux.os.matches[0]?.family, 'Linux', JSON.stringify(linux.os));
        assert.equal(linux.os.matches[0]?.confidence, 100);
        assert.match(linux.os.evidence.join('\n'), /SYN-ACK from 22\/tcp: TTL 64 \(initial 64, 0 hops\)/);
        assert.match(linux.os.evidence.join('\n'), /options M,S,T,N,W/);
        assert.match(linux.os.evidence.join('\n'), /RST from 20\/tcp: TTL 64/);

        await host.execOk('sysctl', ['-qw', 'net.ipv4.ip_default_ttl=128']);
        const ttl128 = (await scan(scanner, ['-O', '-p', PORTS, link.bV4])).hosts[0]!;
        const evidence = ttl128.os!.evidence.join('\n');
        assert.match(evidence, /SYN-ACK from 22\/tcp: TTL 128 \(initial 128, 0 hops\)/);
        assert.match(evidence, /RST from 20\/tcp: TTL 128/);
        const linuxMatch = ttl128.os!.matches.find((m) => m.family === 'Linux');
        assert.ok(linuxMatch && linuxMatch.confidence < 100, 'no longer a plain Linux match');
        assert.ok(
          ttl128.os!.matches.some((m) => m.family === 'Windows'),
          'TTL 128 brings Windows in',
        );
        await host.execOk('sysctl', ['-qw', 'net.ipv4.ip_default_ttl=64']);

        const connect = await scan(scanner, ['-sT', '-p', PORTS, link.bV4]);
        const syn = await scan(scanner, ['-sS', '-p', PORTS, link.bV4]);
        assert.deepEqual(
          syn.scanInfo.map((s) => s.type),
          ['syn'],
        );
        assert.equal(stateList(syn.hosts[0]!), stateList(connect.hosts[0]!));
        assert.deepEqual(
          syn.hosts[0]!.ports.filter((p) => p.state === 'open').map((p) => p.port),
          OPEN,
        );
        assert.equal(syn.hosts[0]!.ports.find((p) => p.port === DROPPED)?.state, 'filtered', 'the DROP rule');
        assert.deepEqual(syn.hosts[0]!.extraPorts, connect.hosts[0]!.extraPorts);
      });
    });
  });

  it('-sS equals -sT over a full loopback range', async () => {
    await withNetns('osloop', async (ns) => {
      await ns.listen(['tcp:127.0.0.1:22', 'tcp:127.0.0.1:8080', 'tcp:127.0.0.1:45000']);
      const connect = await scan(ns, ['-sT', '-p', '1-50000', '127.0.0.1']);
      const syn = await scan(ns, ['-sS', '-p', '1-50000', '127.0.0.1']);
      assert.equal(stateList(syn.hosts[0]!), '22/open 8080/open 45000/open');
      assert.equal(stateList(syn.hosts[0]!), stateList(connect.hosts[0]!));
      assert.deepEqual(syn.hosts[0]!.extraPorts, connect.hosts[0]!.extraPorts);
    });
  });

  it('without raw sockets: -O says why and falls back, -sS is a usage error', async (t) => {
    if (!meets(t, { commands: ['setpriv'] })) return;
    await withNetns('osnoraw', async (ns) => {
      const asNobody = { netns: ns, prefix: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] };
      const guess = await runEarshot(['scan', '-O', '-p', '1', '127.0.0.1'], asNobody);
      assert.equal(guess.code, 0, guess.stderr);
      assert.match(
        guess.stdout,
        /OS guess: raw sockets unavailable \(.*run as root.*\); not enough evidence/,
      );
      const syn = await runEarshot(['scan', '-sS', '-p', '1', '127.0.0.1'], asNobody);
      assert.equal(syn.code, 64);
      assert.match(syn.stderr, /-sS needs raw sockets, which are unavailable .*use -sT/);
    });
  });
});
