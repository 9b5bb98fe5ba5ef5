// The guide's RPC scene for real: Debian's rpcbind with ypserv and ypbind registered on reserved
// ports, in a namespace of the test's own. Debian's rpcinfo is the oracle for every answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RpcRegistration } from '../../src/model.js';
import { runEarshot } from '../helpers/cli.js';
import { withRpcServices } from '../helpers/daemons/rpc-services.js';
import { skipUnless } from '../helpers/needs.js';
import { type Netns, withNetns } from '../helpers/netns/netns.js';

const skip = skipUnless({
  root: true,
  commands: ['rpcbind', 'rpcinfo', 'ypserv', 'ypbind', 'domainname', 'unshare'],
});

/** Rows of `rpcinfo -p` as "program/version/proto/port". */
function parsePmapRows(text: string): Set<string> {
  const rows = new Set<string>();
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length >= 4) rows.add(fields.slice(0, 4).join('/'));
  }
  return rows;
}

/** Rows of `rpcinfo HOST` (rpcbind dump) as "program/version/netid/uaddr", IP transports only. */
function parseRpcbRows(text: string): Set<string> {
  const rows = new Set<string>();
  for (const line of text.split('\n').slice(1)) {
    const [program, version, netid, uaddr] = line.trim().split(/\s+/);
    if (netid && ['tcp', 'udp', 'tcp6', 'udp6'].includes(netid))
      rows.add([program, version, netid, uaddr].join('/'));
  }
  return rows;
}

const netid = (entry: RpcRegistration) => `${entry.protocol}${entry.family === 'ipv6' ? '6' : ''}`;

async function earshotJson(
  ns: Netns,
  args: string[],
): Promise<{ rpcbindVersion: number; registrations: RpcRegistration[] }> {
  const result = await runEarshot(['rpcinfo', ...args, '--json'], { netns: ns });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

describe('earshot rpcinfo against Debian rpcbind, ypserv and ypbind', () => {
  it('agrees with rpcinfo -p and rpcinfo, over IPv4 and IPv6, v4, v3 and v2', { skip }, async () => {
    await withNetns('rpc', (ns) =>
      withRpcServices(ns, async () => {
        const pmapOracle = parsePmapRows(await ns.execOk('rpcinfo', ['-p', '127.0.0.1']));
        const rpcbOracle = parseRpcbRows(await ns.execOk('rpcinfo', ['127.0.0.1']));
        assert.ok(pmapOracle.size >= 12, `rpcinfo -p listed ${pmapOracle.size} rows`);

        // Default: rpcbind v4, every IP registration with its universal address.
        const v4 = await earshotJson(ns, []);
        assert.equal(v4.rpcbindVersion, 4);
        assert.deepEqual(
          new Set(v4.registrations.map((e) => [e.program, e.version, netid(e), e.address].join('/'))),
          rpcbOracle,
        );
        // Its IPv4 part is exactly what rpcinfo -p (portmap v2) lists.
        const v4Part = v4.registrations.filter((e) => e.family === 'ipv4');
        assert.deepEqual(
          new Set(v4Part.map((e) => [e.program, e.version, e.protocol, e.port].join('/'))),
          pmapOracle,
        );

        // Portmap v2 forced: the same list as rpcinfo -p, in its order.
        const v2 = await earshotJson(ns, ['--rpc-version', '2']);
        assert.equal(v2.rpcbindVersion, 2);
        assert.deepEqual(
          new Set(v2.registrations.map((e) => [e.program, e.version, e.protocol, e.port].join('/'))),
          pmapOracle,
        );

        // Over IPv6 to ::1, with v4 and with v3.
        for (const version of ['4', '3']) {
          const v6 = await earshotJson(ns, ['::1', '--rpc-version', version]);
          assert.equal(v6.rpcbindVersion, Number(version));
          assert.deepEqual(
            new Set(v6.registrations.map((e) => [e.program, e.version, netid(e), e.address].join('/'))),
            rpcbOracle,
          );
        }

        // The guide's conclusion: ypbind on a reserved port /etc/services does not name, named from /etc/rpc.
        const ypbind = v4.registrations.filter((e) => e.program === 100007);
        assert.ok(ypbind.length >= 6);
        for (const entry of ypbind) {
          assert.equal(entry.name, 'ypbind');
          assert.ok(entry.port < 1024, `ypbind on ${entry.port}`);
        }
        const listening = await ns.execOk('ss', ['-Htlnp']);
        for (const entry of ypbind.filter((e) => e.protocol === 'tcp')) {
          assert.match(
            listening,
            new RegExp(`:${entry.port}\\s.*"ypbind"`),
            `ss shows ypbind on tcp ${entry.port}`,
          );
        }

        // The table: its tcp/udp rows are rpcinfo -p's rows.
        const table = await runEarshot(['rpcinfo'], { netns: ns });
        assert.equal(table.code, 0, table.stderr);
        assert.match(table.stdout, /^ {3}program vers proto {3}port {2}service\n/);
        assert.match(table.stdout, /^ {4}100007 {4}2 {3}tcp +\d{3,4} {2}ypbind$/m);
        assert.match(table.stdout, /^ {4}100007 {4}3 {2}tcp6 +\d{3,4} {2}ypbind$/m);
        const tableRows = new Set(
          [...parsePmapRows(table.stdout)].filter((row) => /\/(tcp|udp)\//.test(row)),
        );
        assert.deepEqual(tableRows, pmapOracle);
      }),
    );
  });
});
