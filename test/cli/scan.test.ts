import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ScanReport } from '../../src/model.js';
import { earshotShellLine, runEarshot, spawnEarshot } from '../helpers/cli.js';
import { skipUnlessRoot, waitForLine, withNetns } from '../helpers/netns/netns.js';
import { linkNamespaces } from '../helpers/netns/veth.js';

describe('earshot scan (CLI)', () => {
  it('reads like a man page: every option and examples', async () => {
    const result = await runEarshot(['scan', '--help']);
    assert.equal(result.code, 0);
    for (const option of [
      '--ports',
      '--iL',
      '--exclude',
      '--exclude-file',
      '--Pn',
      '-T',
      '--max-rate',
      '--max-retries',
      '--host-timeout',
      '--reason',
      '--json',
      '--all-ports',
      '--output',
      '--quiet',
    ]) {
      assert.ok(result.stdout.includes(option), `help mentions ${option}`);
    }
    assert.match(result.stdout, /Examples:\n {2}earshot scan localhost/);
  });

  for (const [args, pattern] of [
    [['scan', '-T9', '127.0.0.1'], /Invalid -T timing template "9"/],
    [['scan', '--max-rate', 'fast', '127.0.0.1'], /Invalid --max-rate "fast"/],
    [['scan', '--max-retries', '-1', '127.0.0.1'], /--max-retries/],
    [['scan', '--host-timeout', 'soon', '127.0.0.1'], /Invalid --host-timeout "soon"/],
    [['scan', '-p', '90-80', '127.0.0.1'], /90-80/],
    [['scan'], /No targets given/],
  ] as const) {
    it(`exits 64 with a clear message: ${args.join(' ')}`, async () => {
      const result = await runEarshot([...args]);
      assert.equal(result.code, 64, result.stderr);
      assert.match(result.stderr, pattern);
      assert.equal(result.stdout, '', 'nothing scanned, nothing printed');
    });
  }

  it('exits 64 at once when a target is refused after -sS checked its raw socket', {
    skip: skipUnlessRoot,
  }, async () => {
    // An open raw socket holds the event loop: a usage error found after it opened once hung here.
    const result = await runEarshot(['scan', '-sS', '-Pn', '-p', '1-32', '', '127.0.0.1'], {
      timeoutMs: 30_000,
    });
    assert.equal(result.code, 64, result.stderr);
    assert.match(result.stderr, /Invalid target "": it is empty/);
  });

  it('-sS toward an address with no route says net-unreach, as -sT does', {
    skip: skipUnlessRoot,
  }, async () => {
    await withNetns('synroute', async (ns) => {
      for (const scan of ['-sS', '-sT']) {
        const result = await runEarshot(['scan', scan, '-Pn', '--reason', '-p', '1-8', '10.0.0.1'], {
          netns: ns,
        });
        assert.equal(result.code, 0, `${scan}: ${result.stderr}`);
        assert.match(result.stdout, /^Not shown: 8 filtered tcp ports \(net-unreach\)$/m, scan);
      }
    });
  });

  it('prints the nmap-like table and summary, nothing on stderr when not a TTY', {
    skip: skipUnlessRoot,
  }, async () => {
    await withNetns('clitext', async (ns) => {
      await ns.listen(['tcp:127.0.0.1:22', 'tcp:127.0.0.1:834']);
      const result = await runEarshot(['scan', '--reason', '-p', '1-1024', '127.0.0.1'], { netns: ns });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.match(result.stdout, /^Starting earshot \S+ at /);
      assert.match(result.stdout, /^Not shown: 1022 closed tcp ports \(conn-refused\)$/m);
      assert.match(result.stdout, /^PORT {4}STATE SERVICE REASON$/m);
      assert.match(result.stdout, /^22\/tcp {2}open {2}ssh {5}syn-ack$/m);
      assert.match(result.stdout, /^834\/tcp open {2}unknown syn-ack$/m);
      assert.match(result.stdout, /^earshot done: 1 IP address \(1 host up\) scanned in [\d.]+ seconds$/m);
      assert.doesNotMatch(result.stdout, /\x1b\[/, 'no colour when not a TTY');
    });
  });

  it('shows a progress line on a terminal (script(1) gives it one), none with --quiet', {
    skip: skipUnlessRoot,
  }, async () => {
    await withNetns('tty', async (ns) => {
      const command = (extra: string) =>
        earshotShellLine(['scan', extra, '--max-rate', '4000', '-p', '1-6000', '127.0.0.1']);
      const shown = await ns.exec('script', ['-qec', command(''), '/dev/null'], { timeoutMs: 30_000 });
      assert.equal(shown.code, 0, shown.stdout);
      assert.match(shown.stdout, /\r\d+\/6000 ports \d+% · \d+ ports\/s · ETA \d+ s\x1b\[K/);
      assert.match(shown.stdout, /earshot done: 1 IP address/);
      const quiet = await ns.exec('script', ['-qec', command('--quiet'), '/dev/null'], { timeoutMs: 30_000 });
      assert.doesNotMatch(quiet.stdout, /ports\/s/);
    });
  });

  it('stops quietly when the reader goes away (earshot scan | head -1)', {
    skip: skipUnlessRoot,
  }, async () => {
    await withNetns('epipe', async (ns) => {
      const scan = earshotShellLine(['scan', '-p-', '127.0.0.1', '127.0.0.2', '127.0.0.3']);
      const pipeline = `${scan} | head -1; echo "status \${PIPESTATUS[0]}" >&2`;
      // A deadline that only catches a hang: the first host's full range took 31 s on a loaded machine.
      const result = await ns.exec('bash', ['-c', pipeline], { timeoutMs: 120_000 });
      assert.match(result.stdout, /^Starting earshot/);
      assert.doesNotMatch(result.stderr, /EPIPE|internal error/);
      assert.match(result.stderr, /status 0/);
    });
  });

  it('writes the JSON contract to -o FILE', { skip: skipUnlessRoot }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'earshot-scan-'));
    try {
      await withNetns('clijson', async (ns) => {
        await ns.listen(['tcp:[::]:8080']);
        const file = join(dir, 'scan.json');
        const result = await runEarshot(
          ['scan', '--json', '-o', file, '-p', '8000-8100', '127.0.0.1', '::1'],
          {
            netns: ns,
          },
        );
        assert.equal(result.code, 0, result.stderr);
        const report = JSON.parse(await readFile(file, 'utf8')) as ScanReport;
        assert.deepEqual(JSON.parse(result.stdout), report);
        assert.equal(report.kind, 'scan');
        assert.deepEqual(report.scanInfo, [
          { type: 'connect', protocol: 'tcp', portCount: 101, portSpec: '8000-8100' },
        ]);
        assert.equal(report.hosts.length, 2);
        for (const host of report.hosts) {
          assert.deepEqual(host.ports, [
            {
              protocol: 'tcp',
              port: 8080,
              state: 'open',
              reason: 'syn-ack',
              service: host.ports[0]!.service,
            },
          ]);
          assert.ok(host.ports[0]!.service?.name);
          assert.deepEqual(host.extraPorts, [
            { state: 'closed', count: 100, reasons: { 'conn-refused': 100 } },
          ]);
          assert.equal(host.status, 'up');
        }
        assert.equal(report.stats.interrupted, false);
        assert.equal(report.stats.hostsUp, 2);
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on SIGINT prints what finished and exits 130', { skip: skipUnlessRoot }, async () => {
    await withNetns('sigint', async (scanner) => {
      await withNetns('dropall', async (target) => {
        const link = await linkNamespaces(scanner, target);
        await target.execOk('iptables', ['-A', 'INPUT', '-p', 'tcp', '--dport', '1000:2000', '-j', 'DROP']);
        await scanner.listen(['tcp:127.0.0.1:22']);
        // The loopback host finishes at once; the DROP host keeps the scan waiting.
        const child = spawnEarshot(['scan', '--Pn', '-p', '1-2000', '127.0.0.1', link.bV4], {
          netns: scanner,
        });
        let stdout = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
        });
        await waitForLine(child, /scan report for 127\.0\.0\.1/, 20_000);
        child.kill('SIGINT');
        const [code] = (await once(child, 'close')) as [number];
        assert.equal(code, 130);
        assert.match(stdout, /^22\/tcp open/m);
        assert.match(
          stdout,
          /earshot done: 1 IP address \(1 host up\) .* \(interrupted: results are partial\)/,
        );
      });
    });
  });
});
