// watch's sinks, for real: a webhook receiver that is down, then up, then watch restarted with events
// still queued (nothing lost, nothing twice, in order); a command run per event that fails until it
// does not; RFC 5424 messages on a unix datagram socket the test binds.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { EarshotEvent } from '../../src/model.js';
import { openStore } from '../../src/store/open-store.js';
import { execSink } from '../../src/watch/sinks/exec.js';
import { loggerArgs, syslogSink } from '../../src/watch/sinks/syslog.js';
import { webhookSink } from '../../src/watch/sinks/webhook.js';
import { startWatch } from '../../src/watch/start-watch.js';
import { meets, skipUnless } from '../helpers/needs.js';
import { waitForLine, withNetns } from '../helpers/netns/netns.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';
import { anchorPid, at, EventCollector, waitUntil } from './harness.js';
import { WebhookReceiver } from './webhook-receiver.js';

const holder = fileURLToPath(new URL('../helpers/netns/holder.py', import.meta.url));
const syslogReceiver = fileURLToPath(new URL('./syslog-receiver.py', import.meta.url));
const fast = { minBackoffMs: 50, maxBackoffMs: 400 };
const since = '1970-01-01T00:00:00.000Z';
let temp: TempDir;
before(async () => {
  temp = await makeTempDir('watch-sinks');
});
after(async () => {
  await temp.remove();
});

const ids = (events: readonly EarshotEvent[]) => events.map((event) => event.id);

describe('earshot watch: sinks', { skip: skipUnless({ root: true, commands: ['python3'] }) }, () => {
  it('keeps webhook events while the receiver is down and across a restart: none lost, none twice', async () => {
    await withNetns('watch-hook', async (ns) => {
      const { pid } = await anchorPid(ns);
      const receiver = new WebhookReceiver();
      await receiver.reservePort();
      const path = `${temp.path}/hook.db`;
      let store = openStore(path);
      const warnings: string[] = [];
      const events = new EventCollector();
      const options = () => ({
        netnsPid: pid,
        verifyEveryMs: 0,
        sinks: [webhookSink({ url: receiver.url, timeoutMs: 2000 })],
        delivery: fast,
        onEvent: events.onEvent,
        onWarning: (message: string) => warnings.push(message),
      });
      let watch = await startWatch({ store, ...options() });
      const sink = `webhook:${receiver.url}`;
      try {
        // Down: the events wait in the outbox.
        ns.spawn('python3', [holder, 'tcp:127.0.0.1:7301', 'tcp:127.0.0.1:7302', 'udp:127.0.0.1:7303']);
        await waitUntil(() => (watch.pending()[sink] ?? 0) >= 3, 'three events are queued');
        await waitUntil(() => warnings.some((w) => /delivery failed/.test(w)), 'a failed delivery');
        assert.equal(receiver.received.length, 0);
        // Up: delivered, in the order they were recorded.
        await receiver.up();
        await waitUntil(() => watch.pending()[sink] === 0, 'the queue is empty');
        assert.deepEqual(ids(receiver.received), ids(store.history({ since }).events));
        // Down again, more events, then watch stops with them queued and starts again.
        await receiver.down();
        const second = ns.spawn('python3', [holder, 'tcp:127.0.0.1:7304']);
        await waitForLine(second, /^ready/m, 20_000);
        await events.waitFor(at('listener-opened', 'tcp', 7304));
        await waitUntil(() => (watch.pending()[sink] ?? 0) >= 1, 'the new event is queued');
      } finally {
        await watch.stop();
        store.close();
      }
      store = openStore(path);
      watch = await startWatch({ store, ...options() });
      try {
        assert.ok((watch.pending()[sink] ?? 0) >= 1, 'the queue survived the restart');
        await receiver.up();
        await waitUntil(() => watch.pending()[sink] === 0, 'the queue is empty after the restart');
        const recorded = ids(store.history({ since }).events);
        assert.deepEqual(ids(receiver.received), recorded, 'every event once, in order');
        assert.equal(new Set(ids(receiver.received)).size, receiver.received.length);
      } finally {
        await watch.stop();
        store.close();
        await receiver.down();
      }
    });
  });

  it('runs a command per event with its JSON on stdin, retrying while it fails', async () => {
    await withNetns('watch-exec', async (ns) => {
      const { pid } = await anchorPid(ns);
      const store = openStore(`${temp.path}/exec.db`);
      const out = `${temp.path}/exec-out.jsonl`;
      const gate = `${temp.path}/exec-gate`;
      const command = `test -e '${gate}' && cat >> '${out}'`;
      const watch = await startWatch({
        store,
        netnsPid: pid,
        verifyEveryMs: 0,
        sinks: [execSink({ command })],
        delivery: fast,
      });
      try {
        ns.spawn('python3', [holder, 'tcp:127.0.0.1:7401', 'tcp:127.0.0.1:7402']);
        await waitUntil(() => (watch.pending()[`exec:${command}`] ?? 0) >= 2, 'two events are queued');
        assert.equal(existsSync(out), false, 'the failing command delivered nothing');
        writeFileSync(gate, '');
        await waitUntil(() => watch.pending()[`exec:${command}`] === 0, 'the queue is empty');
        const lines = readFileSync(out, 'utf8').trim().split('\n');
        const delivered = lines.map((line) => JSON.parse(line) as EarshotEvent);
        assert.deepEqual(ids(delivered), ids(store.history({ since }).events));
        assert.deepEqual(delivered.map((event) => event.port).sort(), [7401, 7402]);
      } finally {
        await watch.stop();
        store.close();
      }
    });
  });

  it('sends a process name with C1 and bidirectional controls escaped, to the command and the webhook', async () => {
    await withNetns('watch-escape', async (ns) => {
      const { pid } = await anchorPid(ns);
      const receiver = new WebhookReceiver();
      await receiver.reservePort();
      await receiver.up();
      const store = openStore(`${temp.path}/escape.db`);
      const out = `${temp.path}/escape-out.jsonl`;
      const command = `cat >> '${out}'`;
      const webhook = webhookSink({ url: receiver.url, timeoutMs: 2000 });
      const events = new EventCollector();
      const watch = await startWatch({
        store,
        netnsPid: pid,
        verifyEveryMs: 0,
        sinks: [execSink({ command }), webhook],
        delivery: fast,
        onEvent: events.onEvent,
      });
      // U+009B is a one-character CSI on many terminals, U+202E reverses what follows.
      const name = 'ev\u009bil\u202efdp';
      try {
        const peer = ns.spawn('python3', [holder, '--name', name, 'tcp:127.0.0.1:7501']);
        await waitForLine(peer, /^ready/m, 20_000);
        await events.waitFor(at('listener-opened', 'tcp', 7501));
        await waitUntil(
          () => watch.pending()[`exec:${command}`] === 0 && watch.pending()[webhook.name] === 0,
          'both sinks have the event',
        );
        const delivered = [readFileSync(out, 'utf8'), ...receiver.bodies];
        assert.equal(delivered.length, 2);
        for (const text of delivered) {
          assert.doesNotMatch(text, /[\u0080-\u009f\u202a-\u202e]/, text);
          assert.match(text, /"name":"ev\\u009bil\\u202efdp"/, text);
          const event = JSON.parse(text) as EarshotEvent;
          assert.equal(event.port, 7501);
          assert.deepEqual(
            event.owners.map((owner) => owner.name),
            [name],
            'the JSON parses back to the very name',
          );
        }
      } finally {
        await watch.stop();
        store.close();
        await receiver.down();
      }
    });
  });

  it('sends RFC 5424 messages to a syslog socket, severity mapped', async (t) => {
    if (!meets(t, { commands: ['logger'] })) return;
    await withNetns('watch-syslog', async (ns) => {
      const { pid } = await anchorPid(ns);
      const socketPath = `${temp.path}/log.sock`;
      const receiver = ns.spawn('python3', [syslogReceiver, socketPath]);
      await waitForLine(receiver, /^ready$/m, 20_000);
      const messages: string[] = [];
      receiver.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        messages.push(...chunk.split('\n').filter((line) => line.startsWith('<')));
      });
      const store = openStore(`${temp.path}/syslog.db`);
      const watch = await startWatch({
        store,
        netnsPid: pid,
        verifyEveryMs: 0,
        sinks: [syslogSink({ socketPath })],
        delivery: fast,
      });
      try {
        ns.spawn('python3', [holder, '--name', 'evil"]srv', 'tcp:127.0.0.1:7501']);
        await waitUntil(() => messages.length >= 1, 'a syslog message arrived');
        const [opened] = store.history({ since }).events;
        // RFC 5424 §6: <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG.
        const match =
          /^<(\d+)>1 (\S+) (\S+) earshot (\d+) listener-opened \[earshot@32473 ([^\]]*(?:\\\][^\]]*)*)\] (.*)$/.exec(
            messages[0]!,
          );
        assert.ok(match, messages[0]);
        assert.equal(Number(match[1]), 3 * 8 + 5, 'daemon.notice');
        assert.match(match[5]!, new RegExp(`id="${opened!.id}"`));
        assert.match(match[5]!, /type="listener-opened" protocol="tcp" port="7501" address="127.0.0.1"/);
        assert.match(match[6]!, /opened tcp 127\.0\.0\.1:7501 by evil"\]srv\[\d+\]/);
        assert.equal(Number(match[4]), process.pid, "PROCID is watch's pid");
        // A critical finding is crit (2), a warning warning (4): daemon.crit is <26>.
        const critical = loggerArgs({ ...opened!, type: 'finding', severity: 'critical' }, { socketPath });
        assert.equal(critical[critical.indexOf('--priority') + 1], 'daemon.crit');
        const warning = loggerArgs({ ...opened!, type: 'finding', severity: 'warning' }, { socketPath });
        assert.equal(warning[warning.indexOf('--priority') + 1], 'daemon.warning');
      } finally {
        await watch.stop();
        store.close();
      }
    });
  });
});
