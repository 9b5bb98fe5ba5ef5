import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderScanGrepable } from '../../../src/report/scan/grepable.js';
import { skipUnless } from '../../helpers/needs.js';
import { withNetns } from '../../helpers/netns/netns.js';
import { downHost, openPort, scanReport, upHost } from '../../helpers/scan-report.js';

function hostLines(text: string): string[] {
  return text.split('\n').filter((line) => line.startsWith('Host: '));
}

describe('renderScanGrepable', () => {
  it('writes the same Host lines as nmap -oG for the same listeners', {
    skip: skipUnless({ root: true, commands: ['nmap'] }),
  }, async () => {
    await withNetns('grep', async (ns) => {
      await ns.listen(['tcp:127.0.0.1:22', 'tcp:127.0.0.1:80']);
      const nmap = await ns.execOk('nmap', ['-n', '-sT', '-p', '1-100', '-oG', '-', '127.0.0.1']);
      const ours = renderScanGrepable(
        scanReport([upHost('127.0.0.1', [openPort(22, 'ssh'), openPort(80, 'http')], 100)], {
          portSpec: '1-100',
          portCount: 100,
        }),
      );
      assert.deepEqual(hostLines(ours), hostLines(nmap));
    });
  });

  it('writes a down host as nmap does', () => {
    const text = renderScanGrepable(scanReport([downHost('10.231.0.2')]));
    assert.deepEqual(hostLines(text), ['Host: 10.231.0.2 ()\tStatus: Down']);
    assert.match(text, /^# earshot done at .* -- 1 IP address \(0 hosts up\) scanned in 2\.00 seconds$/m);
  });

  it('writes a header naming the command and a partial-results footer when interrupted', () => {
    const text = renderScanGrepable(
      scanReport([upHost('::1', [openPort(22, 'ssh')], 10)], { interrupted: true }),
    );
    assert.match(
      text,
      /^# earshot 0\.1\.0 scan initiated Thu Nov 26 15:20:14 2026 as: earshot scan -p 1-1000 ::1$/m,
    );
    assert.match(text, /^# earshot interrupted at .* results are partial: 1 IP address \(1 host up\)/m);
    assert.match(text, /^Host: ::1 \(\)\tPorts: 22\/open\/tcp\/\/ssh\/\/\/\tIgnored State: closed \(9\)$/m);
  });

  it('puts product and version in the version field and hostnames in the parentheses', () => {
    const port = openPort(443, 'https', {
      service: {
        name: 'https',
        source: 'probed',
        product: 'nginx',
        version: '1.22.1',
        extraInfo: 'Debian',
        tunnel: 'ssl',
      },
    });
    const text = renderScanGrepable(
      scanReport([upHost('10.231.0.1', [port], 1, { hostnames: ['web.test'] })]),
    );
    assert.match(
      text,
      /^Host: 10\.231\.0\.1 \(web\.test\)\tPorts: 443\/open\/tcp\/\/ssl\|https\/\/nginx 1\.22\.1 \(Debian\)\/$/m,
    );
  });

  it('keeps a hostile name from breaking fields, lines or the terminal', () => {
    const evil = 'x/y, z\tq\nHost: 6.6.6.6 ()\tStatus: Up\u001b[2J';
    const port = openPort(8080, evil, { service: { name: evil, source: 'probed', product: evil } });
    const text = renderScanGrepable(scanReport([upHost('127.0.0.1', [port], 1, { hostnames: [evil] })]));
    assert.equal(hostLines(text).length, 2, 'no injected Host line');
    assert.doesNotMatch(text, /\u001b/);
    const ports = /\tPorts: (.*)$/m.exec(text)?.[1] ?? '';
    assert.equal(ports.split('/').length, 8, 'exactly the seven port subfields');
    assert.ok(!ports.includes(', '), 'no extra port separators');
  });
});
