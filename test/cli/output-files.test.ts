import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { expandNmapOutputFlags } from '../../src/cli/nmap-args.js';
import { openScanXmlStream, resolveOutputFiles, writeOutputFiles } from '../../src/cli/output-files.js';
import { readReport } from '../../src/compare/read-report.js';
import { isEarshotError } from '../../src/errors.js';
import { renderScanXml } from '../../src/report/scan/nmap-xml.js';
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

  it("refuses more than one output on stdout in nmap's words, naming the options", () => {
    const refusals: [Parameters<typeof resolveOutputFiles>[0], RegExp][] = [
      [{ outputXml: '-', outputJson: '-' }, /\(-oX and -oJ\)/],
      [{ outputXml: '-', html: '-' }, /\(-oX and --html\)/],
      [{ outputXml: '-', json: true }, /\(-oX and --json\)/],
      [{ outputNormal: '-', output: '-' }, /\(-oN and -o -\)/],
      [{ html: '-', output: '-', json: true }, /\(--html and -o -\)/],
      [{ outputAll: '-' }, /-oA writes four formats: give it a base name/],
    ];
    for (const [options, names] of refusals) {
      assert.throws(
        () => resolveOutputFiles(options),
        (error: unknown) =>
          isEarshotError(error, 'ERR_OPTION') &&
          error.message.startsWith('Cannot display multiple output types to stdout.') &&
          names.test(error.message),
        JSON.stringify(options),
      );
    }
    assert.deepEqual(resolveOutputFiles({ output: '-', json: true }), {});
    assert.deepEqual(resolveOutputFiles({ html: '-' }), {});
    assert.deepEqual(resolveOutputFiles({ outputXml: '-', output: 'x.txt' }), { xml: '-' });
  });

  it('refuses two outputs on one file, naming both options', () => {
    for (const [options, names] of [
      [{ outputXml: 'a', outputJson: 'a' }, /Both -oX and -oJ would write "a"/],
      [
        { outputAll: 'run', outputNormal: 'run.xml' },
        /Both -oN and -oX would write "run\.xml"|Both -oX and -oN/,
      ],
      [{ outputXml: 'r.html', html: 'r.html' }, /Both -oX and --html would write "r\.html"/],
      [{ outputNormal: 'out', output: 'out' }, /Both -oN and -o would write "out"/],
    ] as const) {
      assert.throws(() => resolveOutputFiles(options), names);
    }
  });

  it('refuses -o followed by a capital letter that is no format, instead of writing a file named after it', () => {
    for (const flag of ['-oZ', '-oS', '-oM']) {
      assert.throws(
        () => expandNmapOutputFlags(['scan', flag, '127.0.0.1']),
        (error: unknown) =>
          isEarshotError(error, 'ERR_OPTION') &&
          error.message.startsWith(
            `Unknown output format "${flag}": earshot writes -oN (normal), -oX (XML)`,
          ) &&
          error.message.includes(`give "-o ${flag.slice(2)}"`),
      );
    }
    assert.deepEqual(expandNmapOutputFlags(['scan', '-oreport.txt']), ['scan', '-oreport.txt']);
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
        /Cannot write output file ".*folder\.xml": the folder ".*\/no\/such" does not exist; choose another path\.$/.test(
          error.message,
        ),
    );
    const problems: [string, RegExp][] = [
      ['/proc/version.nmap', /the folder "\/proc" does not allow creating files in it/],
      [dir.path, /it is a folder/],
      [`${dir.path}/one.xml/below.xml`, /is not a folder/],
    ];
    await writeFile(`${dir.path}/one.xml`, '');
    for (const [path, problem] of problems) {
      await assert.rejects(
        writeOutputFiles({ xml: path }, { xml: () => '' }, () => undefined),
        (error: unknown) => isEarshotError(error, 'ERR_OPTION') && problem.test(error.message),
        path,
      );
    }
  });
});
