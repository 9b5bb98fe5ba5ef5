import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { diffReports } from '../../src/compare/diff.js';
import { parseReport, readReport } from '../../src/compare/read-report.js';
import { isEarshotError } from '../../src/errors.js';
import { renderScanXml } from '../../src/report/scan/nmap-xml.js';
import { fixturePath } from '../helpers/fixtures.js';
import { openPort, scanReport, upHost } from '../helpers/scan-report.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

const fixture = (name: string) => fixturePath(`report/${name}`);

let dir: TempDir;

async function readError(content: string): Promise<Error> {
  const file = await dir.write('bad.report', content);
  const error = await readReport(file).then(
    () => assert.fail('expected ERR_REPORT_READ'),
    (e: unknown) => e,
  );
  assert.ok(isEarshotError(error, 'ERR_REPORT_READ'), String(error));
  assert.ok(error.message.includes(file), 'the message names the file');
  return error;
}

describe('readReport', () => {
  before(async () => {
    dir = await makeTempDir('read-report');
  });
  after(() => dir.remove());

  it("reads nmap's own XML", async () => {
    const report = await readReport(fixture('nmap-before.xml'));
    assert.equal(report.format, 'nmap-xml');
    assert.equal(report.scanner, 'nmap');
    assert.equal(report.version, '7.93');
    assert.match(report.args, /^nmap -n -sT -p 1-1000 /);
    assert.match(report.startedAt ?? '', /^2026-11-26T15:24:28/);
    assert.equal(report.hosts.length, 1);
    const host = report.hosts[0]!;
    assert.equal(host.address, '127.0.0.1');
    assert.equal(host.status, 'up');
    assert.deepEqual(host.extraPorts, [{ state: 'closed', count: 998 }]);
    assert.deepEqual(
      host.ports.map((p) => `${p.port}/${p.protocol} ${p.state} ${p.service?.name}`),
      ['22/tcp open ssh', '80/tcp open http'],
    );
  });

  it("reads nmap's IPv6 XML", async () => {
    const report = await readReport(fixture('nmap-ipv6.xml'));
    assert.equal(report.hosts[0]?.address, '::1');
    assert.equal(report.hosts[0]?.family, 'ipv6');
  });

  it('reads earshot XML back exactly, hostile text included', async () => {
    const name = `a<b>&"'\r\n\tz`;
    const port = openPort(8080, 'http', {
      service: { name: 'http', source: 'probed', product: name, version: '1' },
    });
    const xml = renderScanXml(scanReport([upHost('127.0.0.1', [port], 10, { hostnames: [name] })]));
    const report = await parseReport(xml, 'x.xml');
    assert.deepEqual(report.hosts[0]?.hostnames, [name]);
    assert.equal(report.hosts[0]?.ports[0]?.service?.product, name);
  });

  it('reads earshot JSON, and the JSON and XML of one scan do not differ', async () => {
    const scan = scanReport([upHost('127.0.0.1', [openPort(22, 'ssh'), openPort(111, 'sunrpc')], 1000)]);
    const json = await readReport(await dir.write('scan.json', JSON.stringify(scan)));
    const xml = await readReport(await dir.write('scan.xml', renderScanXml(scan)));
    assert.equal(json.format, 'earshot-json');
    assert.equal(json.scanner, 'earshot');
    assert.equal(diffReports(json, xml).changeCount, 0);
  });

  it('refuses the unfinished XML an interrupted nmap leaves, saying so', async () => {
    const error = await readReport(fixture('nmap-interrupted.xml')).catch((e: Error) => e);
    assert.ok(isEarshotError(error, 'ERR_REPORT_READ'));
    assert.match(error.message, /not well-formed XML at line \d+.*interrupted nmap run/);
  });

  const bad: [string, string, RegExp][] = [
    ['an empty file', '  \n', /the file is empty/],
    ['text that is neither JSON nor XML', 'Host: 203.0.113.4 ()\tStatus: Up\n', /neither JSON nor XML/],
    ['broken JSON', '{"tool": "earshot",', /not valid JSON/],
    [
      'JSON of another kind',
      '{"kind": "baseline"}',
      /kind "baseline"; diff reads earshot scan and verify reports/,
    ],
    [
      'JSON outside the schema',
      JSON.stringify({ ...scanReport([]), hosts: [{ address: 1 }] }),
      /does not match the earshot scan report schema: \/hosts\/0/,
    ],
    ['XML that is not nmap XML', '<html><body/></html>', /its root element is <html>, not <nmaprun>/],
    [
      'a start time past what a date can hold',
      '<nmaprun scanner="nmap" start="99999999999999"></nmaprun>',
      /<nmaprun start="99999999999999"> is not a start time: nmap writes whole seconds since 1970/,
    ],
    [
      'a start time that is not a number',
      '<nmaprun start="soon"/>',
      /<nmaprun start="soon"> is not a start time/,
    ],
    [
      'elements nested deeper than any nmap XML',
      `<nmaprun>${'<a>'.repeat(150)}${'</a>'.repeat(150)}</nmaprun>`,
      /its elements nest more than 100 deep \(nmap XML nests at most 6\)/,
    ],
    [
      'elements nested a hundred thousand deep',
      `<nmaprun>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</nmaprun>`,
      /nest more than 100 deep/,
    ],
    ['XML with entity declarations', '<!DOCTYPE x [<!ENTITY a "aaaa">]><nmaprun/>', /declares XML entities/],
    [
      'a host without an address',
      '<nmaprun><host><status state="up"/></host></nmaprun>',
      /<host> number 1 has no IP <address>/,
    ],
    [
      'a port number out of range',
      '<nmaprun><host><address addr="203.0.113.4"/><ports><port protocol="tcp" portid="99999"/></ports></host></nmaprun>',
      /portid "99999"/,
    ],
  ];
  for (const [name, content, message] of bad) {
    it(`refuses ${name} with ERR_REPORT_READ`, async () => {
      const error = await readError(content);
      assert.match(error.message, message);
    });
  }

  it('names a missing file and a folder', async () => {
    await assert.rejects(
      readReport('/nonexistent/earshot.xml'),
      /Cannot read the report "\/nonexistent\/earshot.xml": it does not exist; check the path/,
    );
    await assert.rejects(readReport(dir.path), /it is a folder, not a file/);
  });

  it('reads <nmaprun/> as a report of no hosts, and two of them do not differ', async () => {
    for (const xml of ['<nmaprun/>', '<?xml version="1.0"?>\n<nmaprun></nmaprun>\n']) {
      const report = await parseReport(xml, 'empty.xml');
      assert.deepEqual(report.hosts, []);
      assert.equal(report.startedAt, null);
      assert.equal(diffReports(report, report).changeCount, 0);
    }
  });

  it('reads the latest start time a date can hold', async () => {
    const report = await parseReport('<nmaprun start="8640000000000"/>', 'late.xml');
    assert.equal(report.startedAt, '+275760-09-13T00:00:00.000Z');
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(readReport(fixture('nmap-before.xml'), { signal: controller.signal }), /stop/);
  });
});
