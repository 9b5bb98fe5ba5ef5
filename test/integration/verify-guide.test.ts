// The hardening guide's scene, for real: rpcbind with ypserv and ypbind on reserved ports that
// /etc/services does not name, sshd, and a forked server whose children share its socket. verify
// must explain every port, name the RPC programs, list every PID, and exit 0.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runEarshot } from '../helpers/cli.js';
import { RPC_SCENE_COMMANDS, withRpcServices } from '../helpers/daemons/rpc-services.js';
import { skipUnless } from '../helpers/needs.js';
import { runOk, waitForLine, withNetns } from '../helpers/netns/netns.js';
import { makeTempDir } from '../helpers/tmp.js';
import { rowFor, verifyIn, waitForTcpListener } from '../helpers/verify-run.js';

const holder = fileURLToPath(new URL('../helpers/netns/holder.py', import.meta.url));

const skip = skipUnless({
  root: true,
  commands: [...RPC_SCENE_COMMANDS, 'sshd', 'ssh-keygen', 'python3', 'ss'],
});

describe('earshot verify: the guide scene', () => {
  it('explains every port: RPC programs on reserved ports, sshd, every PID of a forked server', async (t) => {
    if (skip) return t.skip(skip);
    const temp = await makeTempDir('verify-guide');
    try {
      const key = `${temp.path}/host_key`;
      await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
      await withNetns('guide', async (ns) => {
        await withRpcServices(ns, async () => {
          // sshd wants /run/sshd; a private /run keeps the host's own untouched.
          ns.spawn('unshare', [
            '-m',
            '--propagation',
            'private',
            'sh',
            '-c',
            `mount -t tmpfs tmpfs /run && mkdir /run/sshd && exec /usr/sbin/sshd -D -e -f /dev/null -h ${key} -o PidFile=none -o ListenAddress=0.0.0.0 -p 22`,
          ]);
          const forked = ns.spawn('python3', [holder, '--fork', '3', '--name', 'forkd', 'tcp:0.0.0.0:8080']);
          const ready = await waitForLine(forked, /^ready [\d ]+\n/m, 20_000);
          const forkPids = ready.replace('ready ', '').trim().split(/\s+/).map(Number);
          await waitForTcpListener(ns, 22);

          const { code, report } = await verifyIn(ns, []);
          assert.equal(
            code,
            0,
            `exit 0 expected; findings: ${JSON.stringify(report.findings.map((f) => [f.kind, f.port]))}`,
          );
          assert.equal(report.summary.critical + report.summary.warning, 0);

          const ypbindRpc = report.ports.filter((row) => row.rpc.some((r) => r.name === 'ypbind'));
          assert.ok(ypbindRpc.length > 0, 'ypbind ports are matched to its RPC registration');
          for (const row of ypbindRpc) {
            assert.ok(row.port < 1024, 'ypbind sits on a reserved port');
            assert.match(row.verdict.summary, /ypbind \(RPC 100007 v[\d,v]+\)/);
            assert.equal(row.owners[0]?.name, 'ypbind');
          }
          const reserved = report.findings.filter((f) => f.kind === 'unregistered-reserved-port');
          assert.ok(reserved.length > 0);
          for (const finding of reserved) assert.equal(finding.severity, 'notice', finding.message);

          const ssh = rowFor(report, 'tcp', 22, '0.0.0.0');
          assert.equal(ssh?.service?.name, 'ssh');
          assert.equal(ssh?.owners[0]?.name, 'sshd');
          assert.equal(ssh?.network[0]?.state, 'open');
          const portmapper = rowFor(report, 'tcp', 111);
          assert.ok(portmapper?.rpc.some((r) => r.program === 100000));

          const web = rowFor(report, 'tcp', 8080, '0.0.0.0');
          assert.deepEqual(
            web?.owners.map((owner) => owner.pid).sort((a, b) => a - b),
            forkPids.sort((a, b) => a - b),
          );
          assert.equal(web?.verdict.level, 'ok');
          assert.ok(
            report.witnesses.every((w) => w.witness === 'baseline' || w.available),
            JSON.stringify(report.witnesses),
          );

          const text = await runEarshot(['verify', '-p', '1-1024,8080'], { netns: ns });
          assert.equal(text.code, 0);
          assert.match(
            text.stdout,
            new RegExp(`forkd\\[${[...forkPids].sort((a, b) => a - b).join(',')}\\]`),
          );
          assert.match(text.stdout, /ypbind \(rpc 100007\)/);
          assert.match(text.stdout, /^Verdict: NOTICE/m);
        });
      });
    } finally {
      await temp.remove();
    }
  });
});
