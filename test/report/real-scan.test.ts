// The report formats over a real earshot scan of a namespace, checked by nmap's own readers against
// nmap's own scan of the same namespace.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ScanReport } from '../../src/model.js';
import { renderScanGrepable } from '../../src/report/grepable.js';
import { renderScanXml } from '../../src/report/nmap-xml.js';
import { loadScanReportValidator } from '../../src/report/report-schema.js';
import { runEarshot } from '../helpers/cli.js';
import { hasCommand, run, skipUnlessRoot, withNetns } from '../helpers/netns.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

const scanScript = fileURLToPath(new URL('../helpers/scan-to-json.ts', import.meta.url));
const haveTools = (await hasCommand('nmap')) && (await hasCommand('ndiff')) && (await hasCommand('xmllint'));

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
  skip: skipUnlessRoot || (haveTools ? false : 'nmap, ndiff or xmllint missing'),
}, () => {
  before(async () => {
    dir = await makeTempDir('real-scan');
  });
  after(() => dir.remove());

  it('validate (schema, DTD) and agree with nmap scanning the same namespace (ndiff, -oG)', async () => {
    await withNetns('realscan', async (ns) => {
      await ns.listen([
        'tcp:127.0.0.1:22',
        'tcp:127.0.0.1:111',
        'tcp:127.0.0.1:1834',
        'tcp:[::1]:22',
        'tcp:[::1]:80',
      ]);
      const scanned = await ns.exec(
        process.execPath,
        ['--import', 'tsx', scanScript, '1-2000', '127.0.0.1', '::1'],
        {
          timeoutMs: 90_000,
        },
      );
      assert.equal(scanned.code, 0, scanned.stderr);
      const report = JSON.parse(scanned.stdout) as ScanReport;
      assert.deepEqual((await loadScanReportValidator())(report), []);

      const ours = await dir.write('earshot.xml', renderScanXml(report));
      const valid = await run('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', ours]);
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
});
