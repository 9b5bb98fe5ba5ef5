import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadReportValidator, loadScanReportValidator } from '../../src/compare/report-schema.js';
import { downHost, openPort, scanReport, upHost } from '../helpers/scan-report.js';
import { guideVerifyReport } from '../helpers/verify-report.js';

// biome-ignore lint/suspicious/noExplicitAny: a JSON copy the tests break on purpose
type Json = any;

const report = scanReport([
  upHost(
    '127.0.0.1',
    [
      openPort(22, 'ssh'),
      openPort(8080, 'http', {
        service: { name: 'http', source: 'probed', product: 'nginx', version: '1.22', confidence: 10 },
      }),
    ],
    1000,
    {
      hostnames: ['localhost'],
      latencyMs: 0.047,
      timedOut: false,
    },
  ),
  upHost(
    'fd00:231::2',
    [
      {
        protocol: 'udp',
        port: 53,
        state: 'open|filtered',
        reason: 'no-response',
        service: { name: 'domain', source: 'etc-services' },
      },
    ],
    3,
  ),
  downHost('10.231.0.3'),
]);

function mutated(change: (value: Record<string, Json>) => void): unknown {
  const copy = JSON.parse(JSON.stringify(report)) as Record<string, Json>;
  change(copy);
  return copy;
}

describe('schema/earshot-scan.schema.json', () => {
  it('accepts real-looking reports, after a JSON round trip', async () => {
    const validate = await loadScanReportValidator();
    assert.deepEqual(validate(JSON.parse(JSON.stringify(report))), []);
    assert.deepEqual(validate(JSON.parse(JSON.stringify(scanReport([], { interrupted: true })))), []);
  });

  const invalid: [string, (value: Record<string, Json>) => void, RegExp][] = [
    [
      'a port above 65535',
      (v) => (v.hosts[0].ports[0].port = 70000),
      /\/hosts\/0\/ports\/0\/port: must be <= 65535/,
    ],
    [
      'an unknown state',
      (v) => (v.hosts[0].ports[0].state = 'ajar'),
      /\/hosts\/0\/ports\/0\/state: must be equal to one of/,
    ],
    [
      'a missing service key',
      (v) => delete v.hosts[0].ports[0].service,
      /must have required property 'service'/,
    ],
    [
      'a field the contract does not have',
      (v) => (v.hosts[0].color = 'red'),
      /must NOT have additional properties "color"/,
    ],
    [
      'a time that is not ISO 8601',
      (v) => (v.stats.startedAt = 'yesterday'),
      /\/stats\/startedAt: must match pattern/,
    ],
    ['another kind', (v) => (v.kind = 'verify'), /\/kind: must be equal to constant/],
    [
      'a reason count keyed by an unknown reason',
      (v) => (v.hosts[0].extraPorts[0].reasons = { bored: 3 }),
      /property name must be valid|must be equal to one of/,
    ],
  ];
  for (const [name, change, message] of invalid) {
    it(`rejects ${name}`, async () => {
      const problems = (await loadScanReportValidator())(mutated(change));
      assert.ok(problems.length > 0, 'the check must be able to fail');
      assert.match(problems.join('\n'), message);
    });
  }
});

describe('schema/earshot-verify.schema.json', () => {
  const verify = JSON.parse(JSON.stringify(guideVerifyReport())) as Record<string, Json>;

  it('accepts what the real reconciler produces, after a JSON round trip', async () => {
    assert.deepEqual((await loadReportValidator('verify'))(verify), []);
  });

  const invalid: [string, (value: Record<string, Json>) => void, RegExp][] = [
    [
      'an unknown finding kind',
      (v) => (v.findings[0].kind = 'spooky'),
      /\/findings\/0\/kind: must be equal to one of/,
    ],
    [
      'an owner without a pid',
      (v) => delete v.ports[0].owners[0].pid,
      /\/ports\/0\/owners\/0: must have required property 'pid'/,
    ],
    [
      'a network state outside the scan vocabulary',
      (v) => (v.ports[0].network[0].state = 'ajar'),
      /\/ports\/0\/network\/0\/state/,
    ],
    [
      'a summary without critical',
      (v) => delete v.summary.critical,
      /\/summary: must have required property 'critical'/,
    ],
  ];
  for (const [name, change, message] of invalid) {
    it(`rejects ${name}`, async () => {
      const copy = structuredClone(verify);
      change(copy);
      const problems = (await loadReportValidator('verify'))(copy);
      assert.ok(problems.length > 0, 'the check must be able to fail');
      assert.match(problems.join('\n'), message);
    });
  }
});
