// scan --json goes through the safe serializer: what a peer sent in a banner cannot act on a terminal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScanReport } from '../../../src/model.js';
import { renderScanJson } from '../../../src/report/scan/scan-json.js';
import { openPort, scanReport, upHost } from '../../helpers/scan-report.js';

describe('renderScanJson', () => {
  it('writes C1 controls and bidi overrides from a banner as \\u escapes, and keeps the value', () => {
    const service = {
      name: 'http',
      source: 'probed',
      confidence: 10,
      product: 'nginx\u009b2J\u202eevil',
    } as const;
    const report: ScanReport = scanReport([upHost('127.0.0.1', [openPort(80, 'http', { service })], 1000)]);
    const json = renderScanJson(report);
    assert.doesNotMatch(json, /[\u009b\u202e]/);
    assert.match(json, /"product": "nginx\\u009b2J\\u202eevil"/);
    assert.ok(json.endsWith('}\n'));
    assert.deepEqual(JSON.parse(json), report);
  });
});
