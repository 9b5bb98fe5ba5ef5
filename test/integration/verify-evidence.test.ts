// What does not add up, for real: a DNAT-forwarded port, a listener hidden by a doctored
// /proc/net, a deleted executable, and a run without root.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFile, readFile, realpath, unlink } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runEarshot, spawnEarshot, withOwnMounts } from '../helpers/cli.js';
import { skipUnless } from '../helpers/needs.js';
import { waitForLine, withNetns } from '../helpers/netns/netns.js';
import { linkNamespaces } from '../helpers/netns/veth.js';
import { makeTempDir } from '../helpers/tmp.js';
import { findingsOf, rowFor, verifyIn, waitForTcpListener } from '../helpers/verify-run.js';

const holder = fileURLToPath(new URL('../helpers/netns/holder.py', import.meta.url));

const skip = skipUnless({ root: true, commands: ['iptables', 'python3', 'setpriv', 'unshare', 'mount'] });

describe('earshot verify: evidence that does not add up', () => {
  it('names the NAT target of a DNAT-forwarded port from conntrack, and does not cry rootkit', async (t) => {
    if (skip) return t.skip(skip);
    await withNetns('fwd-host', async (host) => {
      await withNetns('fwd-peer', async (peer) => {
        const link = await linkNamespaces(host, peer);
        await peer.listen([`tcp:${link.bV4}:80`]);
        await host.execOk('iptables', [
          '-t',
          'nat',
          '-A',
          'OUTPUT',
          '-p',
          'tcp',
          '-d',
          link.aV4,
          '--dport',
          '8080',
          '-j',
          'DNAT',
          '--to-destination',
          `${link.bV4}:80`,
        ]);
        const { code, report } = await verifyIn(host, [link.aV4, '-p', '1-9000']);
        const forwarded = findingsOf(report, 'forwarded-port');
        assert.equal(forwarded.length, 1, JSON.stringify(report.findings));
        assert.equal(forwarded[0]?.port, 8080);
        assert.match(forwarded[0]?.message ?? '', new RegExp(`${link.bV4.replaceAll('.', '\\.')}:80`));
        assert.ok(forwarded[0]?.evidence.some((e) => e.witness === 'conntrack'));
        assert.equal(findingsOf(report, 'hidden-listener').length, 0);
        assert.equal(code, 0);
      });
    });
  });

  it('finds a listener that a doctored /proc/net hides: hidden-listener, exit 2', async (t) => {
    if (skip) return t.skip(skip);
    const temp = await makeTempDir('doctored');
    try {
      await withNetns('doctored', async (ns) => {
        await ns.listen(['tcp:0.0.0.0:31337', 'tcp:0.0.0.0:31338']);
        // The rootkit picture: the tables this process reads no longer list port 31337 (7A69).
        for (const table of ['tcp', 'tcp6', 'udp', 'udp6']) {
          const { stdout } = await ns.exec('cat', [`/proc/net/${table}`]);
          const doctored = stdout
            .split('\n')
            .filter((line) => !/^\s*\d+: [0-9A-F]+:7A69 /.test(line))
            .join('\n');
          await temp.write(table, doctored);
        }
        const { code, report } = await verifyIn(
          ns,
          ['-p', '31000-32000'],
          withOwnMounts(`mount --bind ${temp.path} /proc/$$/net`),
        );
        const hidden = findingsOf(report, 'hidden-listener');
        assert.deepEqual(
          hidden.map((f) => [f.port, f.severity]),
          [[31337, 'critical']],
          JSON.stringify(report.findings),
        );
        assert.ok(hidden[0]?.evidence.some((e) => e.witness === 'bind' && /EADDRINUSE/.test(e.detail)));
        const visible = rowFor(report, 'tcp', 31338, '0.0.0.0');
        assert.equal(visible?.inKernelTable, true, 'the listener the tables still show is explained');
        assert.deepEqual(visible?.verdict.findings, ['unknown-service']);
        assert.equal(findingsOf(report, 'hidden-bound-port').length, 0, 'one finding per hidden port');
        assert.equal(code, 2);
      });
    } finally {
      await temp.remove();
    }
  });

  it('warns about a listener whose executable was deleted: suspicious-owner, exit 1', async (t) => {
    if (skip) return t.skip(skip);
    const temp = await makeTempDir('deleted-exe');
    try {
      const copy = `${temp.path}/pyx`;
      await copyFile(await realpath('/usr/bin/python3'), copy);
      await import('node:fs/promises').then((fs) => fs.chmod(copy, 0o755));
      await withNetns('deleted', async (ns) => {
        const child = ns.spawn(copy, [holder, 'tcp:0.0.0.0:5555']);
        await waitForLine(child, /^ready/m, 20_000);
        await unlink(copy);
        const { code, report } = await verifyIn(ns, ['-p', '5000-6000']);
        const suspicious = findingsOf(report, 'suspicious-owner');
        assert.equal(suspicious.length, 1, JSON.stringify(report.findings));
        assert.equal(suspicious[0]?.port, 5555);
        assert.match(suspicious[0]?.message ?? '', /deleted/);
        assert.equal(rowFor(report, 'tcp', 5555)?.owners[0]?.exeDeleted, true);
        assert.equal(code, 1);
      });
    } finally {
      await temp.remove();
    }
  });

  it('runs without root and says what it could not see', async (t) => {
    if (skip) return t.skip(skip);
    await withNetns('nonroot', async (ns) => {
      await ns.listen(['tcp:0.0.0.0:6500']);
      const { code, report, stderr } = await verifyIn(
        ns,
        ['-p', '6000-7000'],
        ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'],
      );
      assert.equal(report.host.privileged, false);
      const row = rowFor(report, 'tcp', 6500, '0.0.0.0');
      assert.equal(row?.ownerStatus?.kind, 'unknown');
      assert.match(row?.verdict.summary ?? '', /owner unknown: run as root/);
      assert.equal(findingsOf(report, 'owner-unknown')[0]?.port, 6500);
      assert.equal(report.witnesses.find((w) => w.witness === 'conntrack')?.available, false);
      assert.equal(code, 0, stderr);
    });
  });

  it('scans UDP too and says what an unnamed TCP port speaks', async (t) => {
    if (skip) return t.skip(skip);
    await withNetns('verify-udp', async (ns) => {
      await ns.listen(['udp:127.0.0.1:40001', 'udpsilent:0.0.0.0:40002']);
      const web = ns.spawn('python3', ['-m', 'http.server', '31999', '--bind', '127.0.0.1']);
      await waitForTcpListener(ns, 31999);
      const { code, report } = await verifyIn(ns, ['-p', '30000-41000']);
      assert.ok(web.pid);
      assert.deepEqual(report.scanned.protocols, ['tcp', 'udp']);
      const echo = rowFor(report, 'udp', 40001, '127.0.0.1');
      assert.equal(echo?.network.find((o) => o.address === '127.0.0.1')?.state, 'open');
      const silent = rowFor(report, 'udp', 40002, '0.0.0.0');
      assert.equal(silent?.network.find((o) => o.address === '127.0.0.1')?.state, 'open|filtered');
      assert.deepEqual(silent?.verdict.findings, ['unknown-service']);
      const http = rowFor(report, 'tcp', 31999, '127.0.0.1');
      assert.equal(http?.detected?.name, 'http');
      assert.match(http?.detected?.product ?? '', /SimpleHTTP/);
      assert.match(
        findingsOf(report, 'unknown-service').find((f) => f.port === 31999)?.message ?? '',
        /speaks http/,
      );
      assert.equal(code, 0);
    });
  });

  it('stops on Ctrl-C with what finished, marked incomplete, exit 130', async (t) => {
    if (skip) return t.skip(skip);
    await withNetns('verify-int', async (ns) => {
      const child = spawnEarshot(['verify', '--json'], { netns: ns });
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      // Interrupt once the scan has started (its sockets show in the namespace): the handler is set by then.
      for (let attempt = 0; attempt < 300; attempt++) {
        const { stdout: sockets } = await ns.exec('ss', ['-tanH']);
        if (sockets.trim() !== '') break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      child.kill('SIGINT');
      const [code] = (await once(child, 'close')) as [number | null];
      assert.equal(code, 130);
      const report = JSON.parse(stdout) as { stats: { interrupted: boolean } };
      assert.equal(report.stats.interrupted, true);
    });
  });

  it('rejects a malformed baseline with its line, before scanning', async (t) => {
    if (skip) return t.skip(skip);
    const temp = await makeTempDir('bad-baseline');
    try {
      const file = await temp.write(
        'baseline.yaml',
        'version: 1\nlisteners:\n  - protocol: tcp\n    port: 22\n  - protocol: tcpp\n',
      );
      await withNetns('badbase', async (ns) => {
        const result = await runEarshot(['verify', '--baseline', file], { netns: ns });
        assert.equal(result.code, 64);
        assert.match(result.stderr, /baseline\.yaml:5: field "protocol" must be tcp or udp/);
        assert.equal(result.stdout, '');
      });
      assert.ok((await readFile(file, 'utf8')).includes('tcpp'));
    } finally {
      await temp.remove();
    }
  });
});
