// `earshot watch`, `earshot history` and `verify --save` as a user runs them, in namespaces: events as
// JSON lines, SIGTERM, a restart, the periodic verify catching a listener a doctored /proc hides,
// SIGHUP re-reading the baseline, a store on a read-only disk or taken by another watch, and
// --syslog given several times.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { HistoryReport } from '../../src/model.js';
import { earshotCommand, runEarshot, withOwnMounts } from '../helpers/cli.js';
import { meets, skipUnless } from '../helpers/needs.js';
import { waitForLine, withNetns } from '../helpers/netns/netns.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';
import { WatchProcess } from '../watch/cli-process.js';
import { eventProblems, historyProblems } from '../watch/event-schema.js';

const syslogReceiver = fileURLToPath(new URL('../watch/syslog-receiver.py', import.meta.url));

let temp: TempDir;
before(async () => {
  temp = await makeTempDir('watch-cli');
});
after(async () => {
  await temp.remove();
});

const at = (type: string, port: number) => (event: { type: string; port: number | null }) =>
  event.type === type && event.port === port;

describe('earshot watch and history (CLI)', {
  skip: skipUnless({ root: true, commands: ['unshare', 'mount', 'python3'] }),
}, () => {
  it('prints events, stops on SIGTERM with 0, resumes the same interval, and history shows it', async () => {
    await withNetns('watch-cli', async (ns) => {
      const db = `${temp.path}/cli.db`;
      const args = ['--db', db, '--verify-every', '0'];
      let watch = new WatchProcess(args, { ns });
      await watch.started();
      const peer = await ns.listen(['tcp:127.0.0.1:7601']);
      const opened = await watch.event(at('listener-opened', 7601), 'listener-opened 7601');
      assert.equal(opened.owners[0]?.pid, peer.pid);
      assert.equal(await watch.stop('SIGTERM'), 0, watch.stderr);
      for (const event of watch.events) assert.deepEqual(eventProblems(event), [], JSON.stringify(event));

      watch = new WatchProcess(args, { ns });
      await watch.started();
      peer.kill('SIGKILL');
      const closed = await watch.event(at('listener-closed', 7601), 'listener-closed 7601');
      assert.equal(closed.openedAt, opened.time);
      assert.equal(watch.events.filter(at('listener-opened', 7601)).length, 0);
      assert.equal(await watch.stop('SIGINT'), 0, watch.stderr);

      const history = await runEarshot(['history', '--db', db, '--json', '--port', '7601'], { netns: ns });
      assert.equal(history.code, 0, history.stderr);
      const report = JSON.parse(history.stdout) as HistoryReport;
      assert.deepEqual(historyProblems(report), []);
      assert.deepEqual(
        report.listeners.map((l) => [l.openedAt, l.closedAt]),
        [[opened.time, closed.time]],
      );
      assert.deepEqual(
        report.events.map((e) => e.type),
        ['listener-opened', 'listener-closed'],
      );
      const text = await runEarshot(['history', '--db', db, '--since', '1h'], { netns: ns });
      assert.match(text.stdout, /tcp 127\.0\.0\.1:7601 {2}opened .*, closed /);

      // verify --save records a run whose findings history lists.
      await ns.listen(['tcp:127.0.0.1:7602']);
      const saved = await runEarshot(
        ['verify', '--save', '--db', db, '-p', '7600-7610', '--no-udp', '--no-bind', '--json'],
        { netns: ns, timeoutMs: 120_000 },
      );
      assert.match(saved.stderr, /saved the report as [0-9a-f-]{36} in /, saved.stderr);
      const after = JSON.parse((await runEarshot(['history', '--db', db, '--json'], { netns: ns })).stdout);
      assert.deepEqual(historyProblems(after), []);
      assert.ok(
        (after as HistoryReport).findings.some((f) => f.port === 7602 && f.source === 'verify'),
        JSON.stringify((after as HistoryReport).findings),
      );
    });
  });

  it('reports a listener hidden by a doctored /proc/net as a critical finding event', async () => {
    await withNetns('watch-hidden', async (ns) => {
      await ns.listen(['tcp:0.0.0.0:31337', 'tcp:0.0.0.0:31338']);
      const fake = `${temp.path}/fake-net`;
      await ns.execOk('mkdir', ['-p', fake]);
      for (const table of ['tcp', 'tcp6', 'udp', 'udp6']) {
        const { stdout } = await ns.exec('cat', [`/proc/net/${table}`]);
        const doctored = stdout
          .split('\n')
          .filter((line) => !/^\s*\d+: [0-9A-F]+:7A69 /.test(line))
          .join('\n');
        await temp.write(`fake-net/${table}`, doctored);
      }
      const db = `${temp.path}/hidden.db`;
      const watch = new WatchProcess(['--db', db, '-p', '31000-32000', '--no-udp', '--verify-every', '1h'], {
        ns,
        prefix: withOwnMounts(`mount --bind ${fake} /proc/$$/net`),
      });
      try {
        const finding = await watch.event(
          (event) => event.type === 'finding' && event.finding?.kind === 'hidden-listener',
          'a hidden-listener finding',
          120_000,
        );
        assert.equal(finding.port, 31337);
        assert.equal(finding.severity, 'critical');
        assert.ok(finding.finding?.evidence.some((e) => e.witness === 'bind'));
        const run = await watch.event((event) => event.type === 'verify', 'the verify event');
        assert.equal(run.verify?.summary.critical, 1);
        assert.ok((run.verify?.newFindings ?? 0) >= 1);
        assert.equal(watch.events.filter(at('listener-opened', 31337)).length, 0, 'the tables hide it');
        assert.equal(watch.events.filter(at('listener-opened', 31338)).length, 1);
        for (const event of watch.events) assert.deepEqual(eventProblems(event), []);
      } finally {
        assert.equal(await watch.stop(), 0, watch.stderr);
      }
      const history = JSON.parse((await runEarshot(['history', '--db', db, '--json'], { netns: ns })).stdout);
      assert.ok(
        (history as HistoryReport).findings.some(
          (f) =>
            f.kind === 'hidden-listener' && f.port === 31337 && f.source === 'watch' && f.clearedAt === null,
        ),
      );
    });
  });

  it('re-reads the baseline on SIGHUP: a listener approved meanwhile clears its finding', async () => {
    await withNetns('watch-hup', async (ns) => {
      await ns.listen(['tcp:127.0.0.1:7701']);
      const baseline = await temp.write('baseline.yaml', 'version: 1\nlisteners: []\n');
      const db = `${temp.path}/hup.db`;
      const watch = new WatchProcess(
        [
          '--db',
          db,
          '--baseline',
          baseline,
          '-p',
          '7700-7710',
          '--no-udp',
          '--no-bind',
          '--no-version',
          '--verify-every',
          '2s',
        ],
        { ns },
      );
      try {
        const found = await watch.event(
          (event) =>
            event.type === 'finding' && event.finding?.kind === 'not-in-baseline' && event.port === 7701,
          'not-in-baseline 7701',
          60_000,
        );
        assert.equal(found.severity, 'critical');
        await temp.write('baseline.yaml', 'version: 1\nlisteners:\n  - protocol: tcp\n    port: 7701\n');
        watch.child.kill('SIGHUP');
        await watch.until((w) => /re-read the baseline/.test(w.stderr), 'the baseline re-read');
        const cleared = await watch.event(
          (event) =>
            event.type === 'finding-cleared' &&
            event.finding?.kind === 'not-in-baseline' &&
            event.port === 7701,
          'the finding cleared',
          60_000,
        );
        assert.equal(cleared.severity, 'info');
      } finally {
        assert.equal(await watch.stop(), 0, watch.stderr);
      }
    });
  });

  it('refuses a second watch on one store, and a store on a read-only disk, naming the file', async () => {
    await withNetns('watch-store', async (ns) => {
      const db = `${temp.path}/store-errors/e.db`;
      const first = new WatchProcess(['--db', db, '--verify-every', '0'], { ns });
      await first.started();
      const second = await runEarshot(['watch', '--db', db, '--verify-every', '0'], { netns: ns });
      assert.equal(second.code, 69, second.stderr);
      assert.match(second.stderr, /is in use by another earshot watch \(pid \d+/);
      assert.ok(second.stderr.includes(db));
      assert.equal(await first.stop(), 0);

      const folder = `${temp.path}/store-errors`;
      const [unshare, ...readOnlyMounts] = withOwnMounts(
        `mount --bind ${folder} ${folder} && mount -o remount,bind,ro ${folder}`,
      );
      const readOnly = (args: string[]) => ns.exec(unshare!, [...readOnlyMounts, ...earshotCommand(args)]);
      const write = await readOnly(['watch', '--db', db, '--verify-every', '0']);
      assert.equal(write.code, 69, write.stderr);
      assert.match(write.stderr, /cannot be written/);
      assert.ok(write.stderr.includes(db));
      const read = await readOnly(['history', '--db', db, '--json']);
      assert.equal(read.code, 0, read.stderr);
      assert.deepEqual(historyProblems(JSON.parse(read.stdout)), []);
    });
  });

  it('delivers each event to every --syslog socket, a bare --syslog being /dev/log', async (t) => {
    if (!meets(t, { commands: ['logger'] })) return;
    await withNetns('watch-syslogs', async (ns) => {
      const sockets = ['first', 'second', 'dev-log'].map((name) => `${temp.path}/${name}.sock`);
      const received = new Map<string, string[]>();
      for (const socket of sockets) {
        const receiver = ns.spawn('python3', [syslogReceiver, socket]);
        await waitForLine(receiver, /^ready$/m, 20_000);
        const messages: string[] = [];
        received.set(socket, messages);
        receiver.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
          messages.push(...chunk.split('\n').filter((line) => line.startsWith('<')));
        });
      }
      const [first, second, devLog] = sockets as [string, string, string];
      // /dev/log is the third receiver's socket in watch's own mount namespace only: a tmpfs over /dev
      // holding /dev/null (for the children watch starts) and the link.
      const realDev = `${temp.path}/real-dev`;
      await ns.execOk('mkdir', ['-p', realDev]);
      const db = `${temp.path}/syslogs.db`;
      const watch = new WatchProcess(
        ['--db', db, '--verify-every', '0', '--syslog', first, '--syslog', '--syslog', second],
        {
          ns,
          prefix: withOwnMounts(
            `mount --rbind /dev ${realDev} && mount -t tmpfs earshot-dev /dev && touch /dev/null && mount --bind ${realDev}/null /dev/null && ln -s ${devLog} /dev/log`,
          ),
        },
      );
      try {
        await watch.started();
        await ns.listen(['tcp:127.0.0.1:7621']);
        const opened = await watch.event(at('listener-opened', 7621), 'listener-opened 7621');
        const deadline = Date.now() + 30_000;
        const delivered = (socket: string) =>
          received.get(socket)!.some((message) => message.includes(`id="${opened.id}"`));
        while (!sockets.every(delivered) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        for (const socket of sockets) {
          assert.ok(delivered(socket), `${socket} received the event; stderr: ${watch.stderr}`);
          const message = received.get(socket)!.find((line) => line.includes(`id="${opened.id}"`))!;
          assert.match(message, / earshot \d+ listener-opened \[earshot@32473 .*port="7621"/);
        }
        assert.doesNotMatch(watch.stderr, /delivery failed/);
      } finally {
        assert.equal(await watch.stop(), 0, watch.stderr);
      }
    });
  });
});
