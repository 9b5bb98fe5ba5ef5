// The report formats over a real earshot scan of a namespace, checked by nmap's own readers against
// nmap's own scan of the same namespace.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { loadScanReportValidator } from '../../../src/compare/report-schema.js';
import type { ScanReport } from '../../../src/model.js';
import { renderScanGrepable } from '../../../src/report/scan/grepable.js';
import { renderScanXml } from '../../../src/report/scan/nmap-xml.js';
import { runEarshot, spawnEarshot } from '../../helpers/cli.js';
import { skipUnless } from '../../helpers/needs.js';
import { run, withNetns } from '../../helpers/netns/netns.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';

let dir: TempDir;

/** Ports whose state differs between the "-" and "+" sides of an ndiff-style diff. */
function stateDifferences(text: string): string[] {
  const sides = new Map<string, { '-'?: string; '+'?: string }>();
  for (const match of text.matchAll(/^([-+])(\d+\/tcp)\s+(\S+)/gm)) {
    const entry = sides.get(match[2]!) ?? {};
    entry[match[1] as '-' | '+'] = match[3];
    sides.set(match[2]!, entry);
  }
  return [...sides]
    .filter(([, side]) => side['-'] !== side['+'])
    .map(([port, side]) => `${port} ${side['-']} ${side['+']}`);
}

/** The grepable Ports field without service names, which come from different tables. */
function grepablePortStates(text: string): string | undefined {
  return text
    .split('\n')
    .find((line) => line.includes('\tPorts: '))
    ?.replace(/\/\/[^/]*\/\/\//g, '////');
}

describe('reports of a real earshot scan', {
  skip: skipUnless({ root: true, commands: ['nmap', 'ndiff', 'xmllint'] }),
}, () => {
  before(async () => {
    dir = await makeTempDir('real-scan');
  });
  after(() => dir.remove());

  it('earshot scan -oA writes JSON and XML that validate, and agree with nmap on the same namespace', async () => {
    await withNetns('realscan', async (ns) => {
      await ns.listen([
        'tcp:127.0.0.1:22',
        'tcp:127.0.0.1:111',
        'tcp:127.0.0.1:1834',
        'tcp:[::1]:22',
        'tcp:[::1]:80',
      ]);
      const base = `${dir.path}/earshot`;
      const scanned = await runEarshot(['scan', '-q', '-p', '1-2000', '-oA', base, '127.0.0.1', '::1'], {
        netns: ns,
        timeoutMs: 90_000,
      });
      assert.equal(scanned.code, 0, scanned.stderr);
      assert.match(scanned.stdout, /1834\/tcp/, 'the text report still goes to stdout');
      const report = JSON.parse(await readFile(`${base}.json`, 'utf8')) as ScanReport;
      assert.deepEqual((await loadScanReportValidator())(report), []);
      assert.equal(
        await readFile(`${base}.xml`, 'utf8'),
        renderScanXml(report),
        '-oX streamed = rendered whole',
      );
      assert.equal(await readFile(`${base}.gnmap`, 'utf8'), renderScanGrepable(report));
      assert.match(await readFile(`${base}.nmap`, 'utf8'), /1834\/tcp/);
      const valid = await run('xmllint', [
        '--noout',
        '--dtdvalid',
        '/usr/share/nmap/nmap.dtd',
        `${base}.xml`,
      ]);
      assert.equal(valid.code, 0, valid.stderr);

      for (const [family, address] of [
        ['-4', '127.0.0.1'],
        ['-6', '::1'],
      ] as const) {
        const theirs = `${dir.path}/nmap${family}.xml`;
        const grepable = await ns.execOk('nmap', [
          family,
          '-n',
          '-sT',
          '-p',
          '1-2000',
          '-oX',
          theirs,
          '-oG',
          '-',
          address,
        ]);
        const single = { ...report, hosts: report.hosts.filter((host) => host.address === address) };
        const ourHost = await dir.write(`earshot${family}.xml`, renderScanXml(single));
        const ndiff = await run('ndiff', [theirs, ourHost]);
        assert.ok(ndiff.code === 0 || ndiff.code === 1, `ndiff could not read the files: ${ndiff.stderr}`);
        // Service names may differ (nmap-services says rpcbind where /etc/services says sunrpc); states may not.
        assert.deepEqual(
          stateDifferences(ndiff.stdout),
          [],
          `ndiff sees port state differences:\n${ndiff.stdout}`,
        );
        const diff = await runEarshot(['diff', theirs, ourHost]);
        assert.deepEqual(stateDifferences(diff.stdout), [], diff.stdout);
        assert.equal(grepablePortStates(renderScanGrepable(single)), grepablePortStates(grepable));
      }
    });
  });

  it('-oX - puts XML alone on stdout; two formats on one file exit 64 before scanning', async () => {
    await withNetns('oxstdout', async (ns) => {
      await ns.listen(['tcp:127.0.0.1:2222']);
      const xml = await runEarshot(['scan', '-q', '-p', '2222', '-oX', '-', '127.0.0.1'], { netns: ns });
      assert.equal(xml.code, 0, xml.stderr);
      assert.match(xml.stdout, /^<\?xml version="1\.0"/);
      assert.match(xml.stdout, /<port protocol="tcp" portid="2222"><state state="open"/);
      const clash = await runEarshot(['scan', '-p', '2222', '-oX', 'same', '-oJ', 'same', '127.0.0.1'], {
        netns: ns,
      });
      assert.equal(clash.code, 64);
      assert.match(clash.stderr, /Both -oX and -oJ would write "same"/);
    });
  });
  it('Ctrl-C mid-scan leaves a DTD-valid -oX with exit="error" in runstats', async () => {
    await withNetns('oxint', async (ns) => {
      await ns.listen(['tcp:127.0.0.1:22']);
      const file = `${dir.path}/interrupted.xml`;
      const child = spawnEarshot(
        ['scan', '-q', '--max-rate', '50', '-p', '1-5000', '-oX', file, '127.0.0.2', '127.0.0.1'],
        { netns: ns },
      );
      // The header is written once the scan has its SIGINT handler: interrupt only after that.
      for (let attempt = 0; attempt < 200; attempt++) {
        const started = await readFile(file, 'utf8').catch(() => '');
        if (started.includes('<nmaprun')) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill('SIGINT');
      const [code] = (await once(child, 'close')) as [number | null];
      assert.equal(code, 130);
      const xml = await readFile(file, 'utf8');
      assert.match(xml, /<finished [^>]*exit="error"[^>]*errormsg="Interrupted: the results are partial"/);
      const valid = await run('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', file]);
      assert.equal(valid.code, 0, valid.stderr);
    });
  });
});
