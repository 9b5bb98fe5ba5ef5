import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEarshotError } from '../../src/errors.js';
import { createBaseline, formatBaseline, parseBaseline } from '../../src/reconcile/baseline.js';

describe('baseline files', () => {
  it('round-trips through the commented YAML it writes', () => {
    const baseline = createBaseline([
      {
        protocol: 'tcp',
        port: 22,
        address: '0.0.0.0',
        rpcPrograms: [],
        exes: ['/usr/sbin/sshd'],
        users: ['root'],
        ownersKnown: true,
      },
      {
        protocol: 'udp',
        port: 834,
        address: '0.0.0.0',
        rpcPrograms: [100007],
        exes: [],
        users: [],
        ownersKnown: false,
      },
    ]);
    const text = formatBaseline(baseline, 'saved by a test');
    assert.match(text, /^# saved by a test/);
    assert.deepEqual(parseBaseline(text, 'b.yaml'), baseline);
    assert.equal(baseline.listeners[1]?.rpc, 100007);
    assert.equal(baseline.listeners[1]?.port, undefined);
  });

  it('reads JSON too', () => {
    const parsed = parseBaseline('{"version":1,"listeners":[{"protocol":"tcp","port":22}]}', 'b.json');
    assert.deepEqual(parsed.listeners, [{ protocol: 'tcp', port: 22 }]);
  });

  for (const [text, line, pattern] of [
    [
      'version: 1\nlisteners:\n  - protocol: tcp\n    port: 22\n  - protocol: sctp\n    port: 9\n',
      5,
      /protocol" must be tcp or udp/,
    ],
    ['version: 1\nlisteners:\n  - protocol: tcp\n', 3, /needs "port" or "rpc"/],
    ['version: 1\nlisteners:\n  - protocol: tcp\n    port: 99999\n', 3, /0 to 65535/],
    ['version: 1\nlisteners:\n  - protocol: tcp\n    prot: 22\n', 3, /unknown field "prot"/],
    ['version: 2\n', 1, /version: 1/],
    ['version: 1\nlisteners: [\n', 3, /./],
  ] as const) {
    it(`rejects a malformed file with its line (${pattern})`, () => {
      assert.throws(
        () => parseBaseline(text, 'bad.yaml'),
        (error) => {
          assert.ok(isEarshotError(error, 'ERR_BASELINE'));
          assert.match(error.message, new RegExp(`bad\\.yaml:${line}:`));
          assert.match(error.message, pattern);
          return true;
        },
      );
    });
  }
});
