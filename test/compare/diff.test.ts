import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffReports } from '../../src/compare/diff.js';
import { parseReport } from '../../src/compare/read-report.js';
import type { HostResult, ScanReport } from '../../src/model.js';
import { renderDiffText } from '../../src/report/diff-text.js';
import { bareport, downHost, openPort, scanReport, upHost } from '../helpers/scan-report.js';

const read = (report: ScanReport, name: string) => parseReport(JSON.stringify(report), name);

async function diff(before: HostResult[], after: HostResult[]) {
  return diffReports(await read(scanReport(before), 'old.json'), await read(scanReport(after), 'new.json'));
}

describe('diffReports', () => {
  it('finds nothing between a report and itself', async () => {
    const hosts = [upHost('127.0.0.1', [openPort(22, 'ssh')], 1000), downHost('10.231.0.2')];
    const result = await diff(hosts, hosts);
    assert.equal(result.changeCount, 0);
    assert.deepEqual(result.hosts, []);
    assert.equal(renderDiffText(result), '');
  });

  it('reports a port that opened and one that closed', async () => {
    const result = await diff(
      [upHost('127.0.0.1', [openPort(22, 'ssh'), openPort(80, 'http')], 1000)],
      [upHost('127.0.0.1', [openPort(22, 'ssh'), openPort(443, 'https')], 1000)],
    );
    assert.deepEqual(
      result.hosts[0]?.ports.map((p) => [p.port, p.change, p.before?.state ?? null, p.after?.state ?? null]),
      [
        [80, 'closed', 'open', null],
        [443, 'opened', null, 'open'],
      ],
    );
    assert.equal(result.changeCount, 2);
    assert.equal(
      renderDiffText(result),
      '\n 127.0.0.1:\n PORT    STATE SERVICE VERSION\n-80/tcp  open  http\n+443/tcp open  https\n',
    );
  });

  it('tells state changes and service changes apart', async () => {
    const filtered = bareport(25, 'filtered', 'no-response');
    const closed = bareport(25, 'closed', 'conn-refused');
    const result = await diff(
      [
        upHost(
          '127.0.0.1',
          [
            closed,
            openPort(80, 'http'),
            openPort(8080, 'http', {
              service: { name: 'http', source: 'probed', product: 'nginx', version: '1.22' },
            }),
          ],
          3,
        ),
      ],
      [
        upHost(
          '127.0.0.1',
          [
            filtered,
            { ...openPort(80, 'http'), state: 'filtered', reason: 'no-response' },
            openPort(8080, 'http', {
              service: { name: 'http', source: 'probed', product: 'nginx', version: '1.24' },
            }),
          ],
          3,
        ),
      ],
    );
    assert.deepEqual(
      result.hosts[0]?.ports.map((p) => `${p.port}:${p.change}`),
      ['25:state', '80:closed', '8080:service'],
    );
  });

  it('does not call a port changed when one scan lists closed ports and the other sums them up', async () => {
    const closed80 = bareport(80, 'closed', 'conn-refused');
    const a = upHost('127.0.0.1', [openPort(22, 'ssh'), closed80], 1000);
    a.extraPorts = [{ state: 'closed', count: 998, reasons: {} }];
    const b = upHost('127.0.0.1', [openPort(22, 'ssh')], 1000);
    const result = await diff([a], [b]);
    assert.deepEqual(result.hosts[0]?.ports, []);
    assert.equal(
      result.hosts[0]?.notShownChanged,
      true,
      'the not-shown count did change, as ndiff also says',
    );
  });

  it('reports hosts that went down, came up, appeared and disappeared', async () => {
    const result = await diff(
      [upHost('10.231.0.1', [openPort(22, 'ssh')], 10), downHost('10.231.0.2'), upHost('10.231.0.3', [], 10)],
      [
        downHost('10.231.0.1'),
        upHost('10.231.0.2', [openPort(111, 'sunrpc')], 10),
        upHost('10.231.0.4', [openPort(80, 'http')], 10),
      ],
    );
    const summary = result.hosts.map(
      (h) =>
        `${h.address} ${h.status.before}->${h.status.after} ${h.ports.map((p) => `${p.port}:${p.change}`).join(',')}`,
    );
    assert.deepEqual(summary, [
      '10.231.0.1 up->down 22:closed',
      '10.231.0.2 down->up 111:opened',
      '10.231.0.3 up->null ',
      '10.231.0.4 null->up 80:opened',
    ]);
    const text = renderDiffText(result);
    assert.match(text, /^ 10\.231\.0\.1:\n-Host is up\.\n\+Host is down\.$/m);
    assert.match(text, /^-10\.231\.0\.3:\n-Host is up\.$/m);
    assert.match(
      text,
      /^\+10\.231\.0\.4:\n\+Host is up\.\n\+Not shown: 9 closed ports\n\+PORT {3}STATE SERVICE VERSION\n\+80\/tcp open {2}http$/m,
    );
  });

  it('matches IPv6 hosts however the address is written, and orders v4 before v6 by number', async () => {
    const result = await diff(
      [upHost('0:0:0:0:0:0:0:1', [], 10), upHost('198.51.100.10', [], 10), upHost('198.51.100.9', [], 10)],
      [
        upHost('::1', [openPort(22, 'ssh')], 10),
        upHost('198.51.100.10', [openPort(22, 'ssh')], 10),
        upHost('198.51.100.9', [openPort(22, 'ssh')], 10),
      ],
    );
    assert.deepEqual(
      result.hosts.map((h) => h.address),
      ['198.51.100.9', '198.51.100.10', '::1'],
    );
    assert.ok(result.hosts.every((h) => h.status.before === 'up'));
  });

  it('reports a changed host name and escapes hostile names in text', async () => {
    const result = await diff(
      [upHost('127.0.0.1', [], 10, { hostnames: ['a.test'] })],
      [upHost('127.0.0.1', [], 10, { hostnames: ['b.test\u001b]0;owned\u0007'] })],
    );
    assert.equal(result.hosts[0]?.hostnamesChanged, true);
    const text = renderDiffText(result);
    assert.match(text, /^-a\.test \(127\.0\.0\.1\):\n\+b\.test\\x1b\]0;owned\\x07 \(127\.0\.0\.1\):$/m);
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f]/);
  });
});
