import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Outcome } from '../../../src/scan/engine/outcome.js';
import { meets } from '../../helpers/needs.js';
import { skipUnlessRoot, withNetns } from '../../helpers/netns/netns.js';

const runner = fileURLToPath(new URL('../../helpers/connector-run.ts', import.meta.url));

const OPEN = 8080;
const CLOSED = 8081;
const DROPPED = 8082;
// The namespace's only ephemeral port: a connect to it from the same address has to take it as its
// source port too, and the socket connects to itself (nothing listens there: closed).
const SELF = 40000;

// Both connectors (earshot's socket table and Node's tcp_wrap handles) must conclude every kind of
// answer alike, in a namespace of the test's own: connected, refused, connected to itself, silent
// (a DROP rule: the connect is abandoned at its timeout), and unreachable before any packet leaves.
describe('the TCP connectors', { skip: skipUnlessRoot }, () => {
  it('conclude open, closed, self-connected, dropped and unreachable ports alike', {
    timeout: 120_000,
  }, async (t) => {
    if (!meets(t, { commands: ['iptables', 'ip6tables'] })) return;
    await withNetns('connector', async (ns) => {
      await ns.execOk('sysctl', ['-qw', `net.ipv4.ip_local_port_range=${SELF} ${SELF}`]);
      await ns.execOk('iptables', ['-A', 'INPUT', '-p', 'tcp', '--dport', String(DROPPED), '-j', 'DROP']);
      await ns.execOk('ip6tables', ['-A', 'INPUT', '-p', 'tcp', '--dport', String(DROPPED), '-j', 'DROP']);
      await ns.execOk('ip', ['route', 'add', 'unreachable', '10.231.9.0/24']);
      await ns.execOk('ip', ['route', 'add', 'blackhole', '10.231.10.0/24']);
      await ns.listen([`tcp:127.0.0.1:${OPEN}`, `tcp:[::1]:${OPEN}`]);
      const hosts = [
        `127.0.0.1=${OPEN},${CLOSED},${SELF},${DROPPED}`,
        `::1=${OPEN},${CLOSED},${DROPPED}`,
        '10.231.9.1=80',
        '10.231.10.1=80',
      ];
      const expected = [
        [Outcome.open, Outcome.closed, Outcome.closed, Outcome.noResponse],
        [Outcome.open, Outcome.closed, Outcome.noResponse],
        [Outcome.hostUnreach],
        [Outcome.netUnreach],
      ];
      for (const kind of ['native', 'tcp_wrap']) {
        const run = await ns.exec(process.execPath, ['--import', 'tsx', runner, kind, ...hosts], {
          timeoutMs: 60_000,
        });
        assert.equal(run.code, 0, `${kind}: ${run.stderr}`);
        assert.deepEqual(JSON.parse(run.stdout), expected, kind);
      }
    });
  });
});
