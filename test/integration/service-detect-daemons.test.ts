// -sV against real Debian daemons in a namespace: each detected product and version must equal what
// dpkg says is installed (the upstream part).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ScanReport } from '../../src/model.js';
import { runEarshot } from '../helpers/cli.js';
import { DAEMON_PROGRAMS, DAEMONS, installedVersion, startDaemons } from '../helpers/daemons/daemons.js';
import { skipUnless } from '../helpers/needs.js';
import { withNetns } from '../helpers/netns/netns.js';

/** Scans until every port answers (daemons take up to a few seconds), at most ~15 s. */
async function waitForPorts(scan: (ports: number[]) => Promise<ScanReport>, ports: number[]) {
  for (let attempt = 0; attempt < 30; attempt++) {
    const report = await scan(ports);
    const open = report.hosts[0]?.ports.filter((p) => p.state === 'open').length ?? 0;
    if (open === ports.length) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`daemons did not all listen on ${ports.join(',')}`);
}

// Every daemon is needed: a missing one is a skip of the whole file locally, a failure under CI=true.
const skip = skipUnless({ root: true, files: Object.values(DAEMON_PROGRAMS) });

describe('earshot scan -sV against Debian daemons', { skip }, () => {
  let report: ScanReport;
  let text: string;
  let release: () => void;
  let finished: Promise<void>;

  before(async () => {
    let ready!: () => void;
    const started = new Promise<void>((resolve) => {
      ready = resolve;
    });
    finished = withNetns('sv', async (ns) => {
      const running = await startDaemons(ns, DAEMONS);
      try {
        const ports = [...DAEMONS.map((d) => d.port), 443];
        const scan = async (list: number[]) =>
          JSON.parse(
            (await runEarshot(['scan', '--json', '-p', list.join(','), '127.0.0.1'], { netns: ns })).stdout,
          ) as ScanReport;
        await waitForPorts(scan, ports);
        const json = await runEarshot(['scan', '-sV', '--json', '-p', ports.join(','), '127.0.0.1'], {
          netns: ns,
        });
        assert.equal(json.code, 0, json.stderr);
        report = JSON.parse(json.stdout) as ScanReport;
        const human = await runEarshot(['scan', '-sV', '-p', ports.join(','), '127.0.0.1'], { netns: ns });
        text = human.stdout;
        ready();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      } finally {
        await running.stop();
      }
    });
    await Promise.race([started, finished]);
  });

  after(async () => {
    release?.();
    await finished;
  });

  it('names each daemon with the product and the installed version', async () => {
    const ports = new Map(report.hosts[0]!.ports.map((p) => [p.port, p]));
    for (const daemon of DAEMONS) {
      const service = ports.get(daemon.port)?.service;
      assert.ok(service, `${daemon.label}: port ${daemon.port} has a service`);
      assert.equal(service.source, 'probed', `${daemon.label} probed`);
      assert.equal(service.name, daemon.name, `${daemon.label} name`);
      assert.equal(service.product, daemon.product, `${daemon.label} product`);
      if (daemon.label === 'statd') assert.equal(service.extraInfo, 'RPC #100024');
      if (daemon.version !== undefined || daemon.versionPackage !== undefined) {
        const expected = daemon.version ?? (await installedVersion(daemon.versionPackage!));
        assert.ok(expected, `${daemon.label}: dpkg knows the version of ${daemon.versionPackage}`);
        assert.equal(service.version, expected, `${daemon.label} version`);
      }
      assert.ok((service.confidence ?? 0) >= 8);
    }
  });

  it('finds HTTP inside TLS on 443 and reads the self-signed certificate', () => {
    const https = report.hosts[0]!.ports.find((p) => p.port === 443)?.service;
    assert.ok(https);
    assert.equal(https.name, 'http');
    assert.equal(https.tunnel, 'ssl');
    assert.equal(https.product, 'nginx');
    assert.match(https.extraInfo ?? '', /title: earshot test page/);
    assert.ok(https.tls);
    assert.match(https.tls.protocol, /^TLSv1\.[23]$/);
    assert.equal(https.tls.alpn, 'http/1.1');
    assert.match(https.tls.subject, /CN=earshot\.test/);
    assert.equal(https.tls.selfSigned, true);
    assert.ok(Date.parse(https.tls.validTo) > Date.now());
  });

  it('collects OS hints from banners and prints a VERSION column', () => {
    const hints = report.hosts[0]!.osHints ?? [];
    assert.ok(
      hints.some((h) => h.hint === 'Debian' && h.source === '22/tcp ssh'),
      JSON.stringify(hints),
    );
    assert.match(text, /^PORT +STATE +SERVICE +VERSION$/m);
    assert.match(text, /^22\/tcp +open +ssh +OpenSSH \S+ \(Debian/m);
    assert.match(text, /^443\/tcp +open +ssl\/http +nginx /m);
    assert.match(text, /^Service Info: OS: .*Debian/m);
  });
});
