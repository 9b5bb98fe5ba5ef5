import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderHostText, renderScanText } from '../../../src/report/scan/scan-text.js';
import { downHost, openPort, scanReport, upHost } from '../../helpers/scan-report.js';

describe('renderScanText (nmap-shaped text)', () => {
  it('lists open ports under PORT STATE SERVICE after the folded count', () => {
    const text = renderHostText(upHost('127.0.0.1', [openPort(22, 'ssh'), openPort(834, null)], 1000));
    assert.equal(
      text,
      [
        'earshot scan report for 127.0.0.1',
        'Host is up, received syn-ack.',
        'Not shown: 998 closed tcp ports (conn-refused)',
        'PORT    STATE SERVICE',
        '22/tcp  open  ssh',
        '834/tcp open  unknown',
        '',
        '',
      ].join('\n'),
    );
  });

  it("words a host with nothing to list as nmap 7.93 does: 'ignored states', then 'Not shown'", () => {
    const host = upHost('127.0.0.1', [], 100, { hostnames: ['localhost'] });
    assert.equal(
      renderHostText(host),
      [
        'earshot scan report for localhost (127.0.0.1)',
        'Host is up, received syn-ack.',
        'All 100 scanned ports on localhost (127.0.0.1) are in ignored states.',
        'Not shown: 100 closed tcp ports (conn-refused)',
        '',
        '',
      ].join('\n'),
    );
  });

  it('reports a down host in one line, and counts addresses and hosts up in the summary', () => {
    const report = scanReport([upHost('127.0.0.1', [openPort(22, 'ssh')], 10), downHost('10.231.0.9')]);
    const text = renderScanText(report);
    assert.match(text, /^earshot scan report for 10\.231\.0\.9\nHost seems down \(no-response\)\.$/m);
    assert.match(text, /^earshot done: 2 IP addresses \(1 host up\) scanned in [\d.]+ seconds$/m);
  });

  it('escapes a hostile name given by a resolver', () => {
    const text = renderHostText(upHost('127.0.0.1', [], 10, { hostnames: ['evil\u001b[2J.test'] }));
    assert.equal(text.includes('\u001b'), false);
    assert.match(text, /evil\\x1b\[2J\.test \(127\.0\.0\.1\)/);
  });
});
