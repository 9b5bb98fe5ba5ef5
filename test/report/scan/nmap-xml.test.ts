import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import type { ScanReport } from '../../../src/model.js';
import {
  renderScanXml,
  renderScanXmlFooter,
  renderScanXmlHeader,
  renderScanXmlHost,
} from '../../../src/report/scan/nmap-xml.js';
import { skipUnless } from '../../helpers/needs.js';
import { run } from '../../helpers/netns/netns.js';
import { downHost, openPort, scanReport, upHost } from '../../helpers/scan-report.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed XML, walked along paths the test asserts
type Xml = any;

const DTD = '/usr/share/nmap/nmap.dtd';
const XSL = '/usr/share/nmap/nmap.xsl';
const HOSTILE = `a<b>&c"d'e\u0000\u0007\u001b[31m\u0085\u202eZ\ud800\r\n\tend`;

let dir: TempDir;

async function xmllint(name: string, xml: string, dtd = true) {
  const file = await dir.write(name, xml);
  return run('xmllint', ['--noout', ...(dtd ? ['--dtdvalid', DTD] : []), file]);
}

const cases: Record<string, ScanReport> = {
  'single host': scanReport([upHost('127.0.0.1', [openPort(22, 'ssh'), openPort(80, 'http')], 1000)]),
  'multi-host': scanReport([
    upHost('10.231.0.1', [openPort(22, 'ssh')], 1000, { hostnames: ['h1.test'] }),
    upHost('10.231.0.2', [openPort(111, 'sunrpc'), openPort(834, null)], 1000, {
      timedOut: true,
      latencyMs: 0.12,
    }),
    downHost('10.231.0.3'),
  ]),
  IPv6: scanReport([upHost('fd00:231::1', [openPort(443, 'https')], 1000), upHost('::1', [], 1000)]),
  'host down': scanReport([downHost('10.231.0.9')]),
  interrupted: scanReport([upHost('127.0.0.1', [openPort(22, 'ssh')], 1000)], { interrupted: true }),
  'no ports at all listed': scanReport([
    upHost(
      '127.0.0.1',
      [{ protocol: 'tcp', port: 9, state: 'filtered', reason: 'no-response', service: null }],
      1,
    ),
  ]),
  hostile: scanReport(
    [
      upHost(
        '127.0.0.1',
        [
          openPort(8080, HOSTILE, {
            service: {
              name: HOSTILE,
              source: 'probed',
              product: HOSTILE,
              version: '1.0',
              extraInfo: HOSTILE,
              confidence: 10,
            },
          }),
        ],
        1000,
        {
          hostnames: [HOSTILE],
        },
      ),
    ],
    { args: ['earshot', 'scan', '--', '--evil', HOSTILE] },
  ),
};

describe('renderScanXml against nmap.dtd (xmllint --dtdvalid)', {
  skip: skipUnless({ commands: ['xmllint'] }),
}, () => {
  before(async () => {
    dir = await makeTempDir('nmap-xml');
  });
  after(() => dir.remove());

  for (const [name, report] of Object.entries(cases)) {
    it(`validates: ${name}`, async () => {
      const result = await xmllint(`${name.replace(/\W/g, '_')}.xml`, renderScanXml(report));
      assert.equal(result.code, 0, result.stderr);
    });
  }

  it('the DTD check can fail: a port without a state is rejected', async () => {
    const xml = renderScanXml(cases['single host']!).replace(/<state [^>]*\/>/, '');
    const result = await xmllint('broken.xml', xml);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /port/);
  });

  it('scanner="earshot" is well-formed but outside the DTD, as documented', async () => {
    const xml = renderScanXml(cases['single host']!, { scanner: 'earshot' });
    assert.equal((await xmllint('earshot-scanner.xml', xml, false)).code, 0);
    const result = await xmllint('earshot-scanner-dtd.xml', xml);
    assert.match(result.stderr, /scanner/);
  });
});

describe('renderScanXml content', () => {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (n) => ['host', 'port'].includes(n),
  });

  it('writes what nmap writes for a connect scan', () => {
    const xml = renderScanXml(cases['multi-host']!);
    const doc = parser.parse(xml) as { nmaprun: Record<string, Xml> };
    const run = doc.nmaprun;
    assert.equal(run.scanner, 'nmap');
    assert.equal(run.xmloutputversion, '1.05');
    assert.equal(run.start, String(Date.parse('2026-11-26T15:20:14.000Z') / 1000));
    assert.equal(run.startstr, 'Thu Nov 26 15:20:14 2026');
    assert.deepEqual(run.scaninfo, {
      type: 'connect',
      protocol: 'tcp',
      numservices: '1000',
      services: '1-1000',
    });
    assert.equal(run.host.length, 3);
    const [h1, h2, h3] = run.host;
    assert.equal(h1.hostnames.hostname.name, 'h1.test');
    assert.equal(h1.hostnames.hostname.type, 'user');
    assert.deepEqual(h1.ports.extraports.extrareasons, {
      reason: 'conn-refused',
      count: '999',
      proto: 'tcp',
    });
    assert.deepEqual(h1.ports.port[0].service, { name: 'ssh', method: 'table', conf: '3' });
    assert.equal(h2.ports.port[1].portid, '834');
    assert.equal(h2.ports.port[1].service, undefined, 'an unnamed port gets no <service>');
    assert.equal(h2.timedout, 'true');
    assert.equal(h1.timedout, undefined);
    assert.equal(h3.status.state, 'down');
    assert.equal(h3.ports, undefined);
    assert.deepEqual(run.runstats.hosts, { up: '2', down: '1', total: '3' });
    assert.equal(run.runstats.finished.exit, 'success');
  });

  it('marks an interrupted run exit="error" in runstats, as nmap does after a fatal error', () => {
    const doc = parser.parse(renderScanXml(cases.interrupted!)) as { nmaprun: Record<string, Xml> };
    assert.equal(doc.nmaprun.runstats.finished.exit, 'error');
    assert.match(doc.nmaprun.runstats.finished.errormsg, /partial/);
  });

  it('keeps hostile text as inert, visible text', () => {
    const xml = renderScanXml(cases.hostile!);
    assert.doesNotMatch(xml, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u0085\u202e]/);
    assert.doesNotMatch(
      xml.replace(/<!--.*?-->/gs, ''),
      /<b>/,
      'markup only inside the comment, where it is inert',
    );
    assert.match(
      xml,
      /name="a&lt;b&gt;&amp;c&quot;d&apos;e\\x00\\x07\\x1b\[31m\\x85\\u202eZ\\ud800&#13;&#10;&#9;end"/,
    );
    assert.match(xml, /<!-- earshot 0\.1\.0 scan initiated .* as: earshot scan -&#45; -&#45;evil /);
  });

  it('streams: header + hosts + footer is the whole document', () => {
    const report = cases['multi-host']!;
    const streamed =
      renderScanXmlHeader({ ...report, startedAt: report.stats.startedAt }) +
      report.hosts.map((host) => renderScanXmlHost(host, report)).join('') +
      renderScanXmlFooter(report.stats);
    assert.equal(streamed, renderScanXml(report));
  });

  it('references a stylesheet when asked', () => {
    const xml = renderScanXml(cases['single host']!, { stylesheet: 'file:///usr/share/nmap/nmap.xsl' });
    assert.match(
      xml,
      /^<\?xml-stylesheet href="file:\/\/\/usr\/share\/nmap\/nmap.xsl" type="text\/xsl"\?>$/m,
    );
  });
});

describe('nmap.xsl renders earshot XML (xsltproc)', () => {
  it('shows the open ports and host names in the HTML', {
    skip: skipUnless({ commands: ['xsltproc'], files: [XSL] }),
  }, async () => {
    const tmp = await makeTempDir('xsl');
    try {
      const file = await tmp.write('scan.xml', renderScanXml(cases['multi-host']!));
      const result = await run('xsltproc', [XSL, file]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /<html/i);
      for (const text of ['10.231.0.1', 'h1.test', 'ssh', 'sunrpc', '>111<', '>834<']) {
        assert.ok(result.stdout.includes(text), `HTML lacks ${text}`);
      }
      assert.match(result.stdout, /open/);
    } finally {
      await tmp.remove();
    }
  });
});
