// The scan's outputs are written host by host; what they hold at the end must be exactly what the
// whole-report renderers give for the same report.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openScanOutput } from '../../src/cli/commands/scan-output.js';
import { resolveOutputFiles } from '../../src/cli/output-files.js';
import { isEarshotError } from '../../src/errors.js';
import type { HostResult, ScanReport } from '../../src/model.js';
import { renderScanGrepable } from '../../src/report/scan/grepable.js';
import { renderScanXml } from '../../src/report/scan/nmap-xml.js';
import { renderScanJson } from '../../src/report/scan/scan-json.js';
import { renderScanText } from '../../src/report/scan/scan-text.js';
import { bareport, downHost, openPort, upHost } from '../helpers/scan-report.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

const scanInfo: ScanReport['scanInfo'] = [
  { type: 'connect', protocol: 'tcp', portCount: 1000, portSpec: '1-1000' },
];

const HOST_SETS: Record<string, HostResult[]> = {
  'no host': [],
  'one host': [upHost('127.0.0.1', [openPort(22, 'ssh')], 1000)],
  'up and down hosts, names, odd ports': [
    upHost('10.231.0.1', [openPort(22, 'ssh'), bareport(81, 'filtered', 'no-response')], 1000, {
      hostnames: ['gateway', 'gw'],
      latencyMs: 0.4,
    }),
    downHost('10.231.0.2'),
    upHost('fd00:231::5', [], 1000, { timedOut: true }),
    upHost('10.231.0.3', [openPort(443, 'https', { service: null })], 1000),
  ],
};

describe('scan outputs written host by host', () => {
  let dir: TempDir;
  before(async () => {
    dir = await makeTempDir('scan-output');
  });
  after(() => dir.remove());

  for (const [label, hosts] of Object.entries(HOST_SETS)) {
    for (const interrupted of [false, true]) {
      it(`${label}${interrupted ? ', interrupted' : ''}: every format equals its whole-report rendering`, async () => {
        const base = join(dir.path, `${label.replaceAll(' ', '-')}-${interrupted}`);
        const printed: string[] = [];
        const output = await openScanOutput({
          options: { reason: true, output: `${base}.o.txt` },
          files: resolveOutputFiles({ outputAll: base }),
          scanInfo,
          showVersion: false,
          print: (text) => printed.push(text),
          stdoutIsTerminal: false,
        });
        for (const host of hosts) await output.host(host);
        await output.finish({ interrupted });

        const json = await readFile(`${base}.json`, 'utf8');
        const report = JSON.parse(json) as ScanReport;
        assert.deepEqual(report.hosts, hosts);
        assert.equal(report.stats.interrupted, interrupted);
        assert.equal(report.stats.addressesScanned, hosts.length);
        assert.equal(json, renderScanJson(report));
        assert.equal(await readFile(`${base}.nmap`, 'utf8'), renderScanText(report, { showReason: true }));
        assert.equal(await readFile(`${base}.gnmap`, 'utf8'), renderScanGrepable(report));
        assert.equal(await readFile(`${base}.xml`, 'utf8'), renderScanXml(report));
        const text = renderScanText(report, { showReason: true, showVersion: false });
        assert.equal(await readFile(`${base}.o.txt`, 'utf8'), text);
        assert.equal(printed.join(''), text, 'stdout carries the text report');
      });
    }
  }

  it('streams --json to stdout, and a format given "-" replaces the text there', async () => {
    const hosts = HOST_SETS['up and down hosts, names, odd ports']!;
    const printed: string[] = [];
    const json = await openScanOutput({
      options: { json: true },
      files: {},
      scanInfo,
      showVersion: false,
      print: (text) => printed.push(text),
      stdoutIsTerminal: true,
    });
    for (const [at, host] of hosts.entries()) {
      await json.host(host);
      // What one turn of the event loop finished goes out in one write at the end of that turn.
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(printed.length, at + 1, 'stdout gets each host by the end of the turn it finished in');
    }
    await json.finish({ interrupted: false });
    const report = JSON.parse(printed.join('')) as ScanReport;
    assert.equal(printed.join(''), renderScanJson(report));

    printed.length = 0;
    const grepable = await openScanOutput({
      options: {},
      files: { grepable: '-' },
      scanInfo,
      showVersion: false,
      print: (text) => printed.push(text),
      stdoutIsTerminal: false,
    });
    for (const host of hosts) await grepable.host(host);
    await grepable.finish({ interrupted: false });
    assert.match(printed.join(''), /^# earshot .* scan initiated/);
    assert.doesNotMatch(printed.join(''), /earshot scan report for/);
  });

  it('keeps the hosts already written when the scan dies before the end', async () => {
    const path = join(dir.path, 'partial.gnmap');
    const output = await openScanOutput({
      options: {},
      files: { grepable: path },
      scanInfo,
      showVersion: false,
      print: () => undefined,
      stdoutIsTerminal: false,
    });
    await output.host(upHost('10.231.0.9', [openPort(80, 'http')], 1000));
    await output.abandon();
    const text = await readFile(path, 'utf8');
    assert.match(text, /Host: 10\.231\.0\.9 \(\)\tPorts: 80\/open\/tcp\/\/http\/\/\//);
    assert.doesNotMatch(text, /# earshot done/);
  });

  it('refuses an output file it cannot create before the scan starts', async () => {
    await assert.rejects(
      openScanOutput({
        options: {},
        files: { normal: join(dir.path, 'no', 'such', 'folder.nmap') },
        scanInfo,
        showVersion: false,
        print: () => undefined,
        stdoutIsTerminal: false,
      }),
      (error: unknown) =>
        isEarshotError(error, 'ERR_OPTION') &&
        /folder\.nmap": the folder ".*\/no\/such" does not exist/.test(error.message),
    );
  });
});
