import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { expandNmapOutputFlags } from '../../src/cli/nmap-args.js';
import { openScanXmlStream, resolveOutputFiles, writeOutputFiles } from '../../src/cli/output-files.js';
import { readReport } from '../../src/compare/read-report.js';
import { isEarshotError } from '../../src/errors.js';
import { renderScanXml } from '../../src/report/nmap-xml.js';
import { downHost, openPort, scanReport, upHost } from '../helpers/scan-report.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

let dir: TempDir;

describe('output files (-oN -oX -oG -oJ -oA)', () => {
  before(async () => {
    dir = await makeTempDir('output-files');
  });
  after(() => dir.remove());

  it("rewrites nmap's flags, attached or not, and leaves everything after -- alone", () => {
    assert.deepEqual(
      expandNmapOutputFlags(['scan', '-oX', 'a.xml', '-oGb.gnmap', '-oA', 'base', '--', '-oX']),
      ['scan', '--output-xml', 'a.xml', '--output-grepable', 'b.gnmap', '--output-all', 'base', '--', '-oX'],
    );
  });

  it('resolves -oA to four files and lets a single option override one', () => {
    assert.deepEqual(resolveOutputFiles({ outputAll: 'runs/mon', outputXml: '-' }), {
      normal: 'runs/mon.nmap',
      xml: '-',
      grepable: 'runs/mon.gnmap',
      json: 'runs/mon.json',
    });
  });

  it('refuses two formats on one file, or on stdout, naming both', () => {
    assert.throws(
      () => resolveOutputFiles({ outputXml: '-', outputJson: '-' }),
      (error: unknown) =>
        isEarshotError(error, 'ERR_OPTION') && /Both xml and json output would go to "-"/.test(error.message),
    );
    assert.throws(() => resolveOutputFiles({ outputAll: '-' }), /-oA needs a base name/);
  });

  it('writes only the requested formats, and "-" to stdout', async () => {
    const report = scanReport([upHost('127.0.0.1', [openPort(22, 'ssh')], 100)]);
    const printed: string[] = [];
    const rendered: string[] = [];
    const files = resolveOutputFiles({ outputXml: `${dir.path}/one.xml`, outputJson: '-' });
    await writeOutputFiles(
      files,
      {
        xml: () => renderScanXml(report),
        json: () => JSON.stringify(report),
        grepable: () => {
          rendered.push('grepable');
          return '';
        },
      },
      (text) => printed.push(text),
    );
    assert.equal(await readFile(`${dir.path}/one.xml`, 'utf8'), renderScanXml(report));
    assert.deepEqual(printed, [JSON.stringify(report)]);
    assert.deepEqual(rendered, [], 'formats nobody asked for are not rendered');
  });

  it('streams XML host by host; the finished file equals the whole render', async () => {
    const report = scanReport([upHost('10.231.0.1', [openPort(22, 'ssh')], 100), downHost('10.231.0.2')]);
    const path = `${dir.path}/stream.xml`;
    const stream = await openScanXmlStream(path, { ...report, startedAt: report.stats.startedAt });
    await stream.host(report.hosts[0]!);
    const partial = await readFile(path, 'utf8');
    assert.match(partial, /<address addr="10\.231\.0\.1"/);
    assert.doesNotMatch(partial, /addr="10\.231\.0\.2"/);
    await stream.host(report.hosts[1]!);
    await stream.finish(report.stats);
    assert.equal(await readFile(path, 'utf8'), renderScanXml(report));
  });

  it('a stream closed without its footer is refused by diff as an unfinished run', async () => {
    const report = scanReport([upHost('10.231.0.1', [openPort(22, 'ssh')], 100)]);
    const path = `${dir.path}/crashed.xml`;
    const stream = await openScanXmlStream(path, { ...report, startedAt: report.stats.startedAt });
    await stream.host(report.hosts[0]!);
    await stream.close();
    await assert.rejects(readReport(path), /not well-formed XML.*interrupted/);
  });

  it('says which file it could not write and why', async () => {
    await assert.rejects(
      writeOutputFiles({ xml: `${dir.path}/no/such/folder.xml` }, { xml: () => '' }, () => undefined),
      (error: unknown) =>
        isEarshotError(error, 'ERR_OPTION') &&
        /Cannot write output file ".*folder\.xml": the folder does not exist/.test(error.message),
    );
  });
});
