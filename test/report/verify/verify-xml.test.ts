import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { diffReports } from '../../../src/compare/diff.js';
import { parseReport } from '../../../src/compare/read-report.js';
import { renderDiffText } from '../../../src/report/diff-text.js';
import { renderVerifyXml } from '../../../src/report/verify/verify-xml.js';
import { skipUnless } from '../../helpers/needs.js';
import { run } from '../../helpers/netns/netns.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { guideVerifyReport } from '../../helpers/verify-report.js';

let dir: TempDir;

describe('renderVerifyXml', () => {
  before(async () => {
    dir = await makeTempDir('verify-xml');
  });
  after(() => dir.remove());

  const report = guideVerifyReport();

  it('carries owners, verdicts and findings in forms the DTD allows', async () => {
    const xml = renderVerifyXml(report);
    assert.match(
      xml,
      /<port protocol="tcp" portid="834"><state state="open" reason="syn-ack" reason_ttl="0"\/><owner name="ypbind\[653,655,656,657\] \(root\)"\/>/,
    );
    assert.match(xml, /<script id="earshot-verdict" output="notice: [^"]*ypbind/);
    assert.match(xml, /<postscript><script id="earshot-findings" output="CRITICAL /);
    assert.ok(!xml.includes('<script>'), 'a hostile process name stays text');
    assert.ok(xml.includes('&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[2J'));
    const read = await parseReport(xml, 'verify.xml');
    assert.deepEqual(
      read.hosts.map((h) => h.address),
      ['127.0.0.1', '::1'],
    );
    assert.deepEqual(
      read.hosts[0]?.ports.map((p) => p.port),
      [22, 111, 834, 8080, 31337],
    );
  });

  it('validates against nmap.dtd, and ndiff reads it and sees a verdict change (--xml)', {
    skip: skipUnless({ commands: ['xmllint', 'ndiff'] }),
  }, async () => {
    const a = await dir.write('verify-a.xml', renderVerifyXml(report));
    const valid = await run('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', a]);
    assert.equal(valid.code, 0, valid.stderr);
    const changed = structuredClone(report);
    const row = changed.ports.find((port) => port.port === 22 && port.network.length > 0)!;
    row.verdict = {
      level: 'warning',
      summary: 'sshd replaced by an unknown binary',
      findings: ['suspicious-owner'],
    };
    const b = await dir.write('verify-b.xml', renderVerifyXml(changed));
    // ndiff 7.93's text mode crashes on a change in script results alone (it compares a list with 0
    // in PortDiff.append_to_port_table); its XML mode reports it.
    const ndiff = await run('ndiff', ['--xml', a, b]);
    assert.equal(ndiff.code, 1, ndiff.stderr);
    assert.match(
      ndiff.stdout,
      /<b>\s*<script id="earshot-verdict" output="warning: sshd replaced by an unknown binary"\/>/,
    );
  });

  it('earshot diff reports changed owners and verdicts between two verify XML files', async () => {
    const changed = structuredClone(report);
    const ssh = changed.ports.find((port) => port.port === 22 && port.address === '0.0.0.0')!;
    ssh.verdict = { ...ssh.verdict, level: 'warning', summary: 'unexpected' };
    const rpc = changed.ports.find((port) => port.port === 111)!;
    rpc.owners = rpc.owners.map((o) => ({ ...o, pid: 999, name: 'portmap' }));
    const diff = diffReports(
      await parseReport(renderVerifyXml(report), 'a.xml'),
      await parseReport(renderVerifyXml(changed), 'b.xml'),
    );
    assert.deepEqual(
      diff.hosts.flatMap((h) => h.ports.map((p) => `${h.address} ${p.port}:${p.change}`)),
      ['127.0.0.1 22:verdict', '127.0.0.1 111:owner'],
    );
    const text = renderDiffText(diff);
    assert.match(
      text,
      /^\+22\/tcp +open +ssh\n\+\| {2}owner: sshd\[400\] \(root\)\n\+\| {2}earshot-verdict: warning: unexpected$/m,
    );
    assert.match(text, /^-\| {2}owner: rpcbind\[300\] \(_rpc\)$/m);
    assert.match(text, /^\+\| {2}owner: portmap\[999\] \(_rpc\)$/m);
  });

  it('the JSON and the XML of one verify report do not differ', async () => {
    const json = await parseReport(JSON.stringify(report), 'verify.json');
    const xml = await parseReport(renderVerifyXml(report), 'verify.xml');
    assert.equal(json.hosts[0]?.ports.find((p) => p.port === 834)?.owner, 'ypbind[653,655,656,657] (root)');
    assert.equal(diffReports(json, xml).changeCount, 0);
  });

  it('nmap.xsl shows verdicts and findings, with a hostile name as text', {
    skip: skipUnless({ commands: ['xsltproc'] }),
  }, async () => {
    const file = await dir.write('verify-xsl.xml', renderVerifyXml(report));
    const result = await run('xsltproc', ['/usr/share/nmap/nmap.xsl', file]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /notice: ypbind \(RPC 100007 v2\), owned by ypbind\[653,655,656,657\]/);
    assert.ok(result.stdout.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!result.stdout.includes('<script>alert(1)'));
  });
});
