// watch killed with -9 at any moment: during bursts of hundreds of listeners, the database still
// passes SQLite's integrity_check and the next watch resumes from it; with a webhook receiver down,
// the events queued when watch died are delivered after the restart, each once, in order.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/store/open-store.js';
import { skipUnless } from '../helpers/needs.js';
import { waitForLine, withNetns } from '../helpers/netns/netns.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';
import { WatchProcess } from '../watch/cli-process.js';
import { WebhookReceiver } from '../watch/webhook-receiver.js';

const holder = fileURLToPath(new URL('../helpers/netns/holder.py', import.meta.url));
const since = '1970-01-01T00:00:00.000Z';
let temp: TempDir;
before(async () => {
  temp = await makeTempDir('watch-crash');
});
after(async () => {
  await temp.remove();
});

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = once(child, 'close');
  child.kill('SIGKILL');
  await closed;
}

// A seeded generator, so that a failing run can be repeated with the same kill moments.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('earshot watch killed with -9', { skip: skipUnless({ root: true, commands: ['python3'] }) }, () => {
  it('leaves a sound database during bursts of listeners, and the next watch resumes', async (t) => {
    const seed = Date.now() % 100_000;
    t.diagnostic(`seed ${seed}`);
    const next = random(seed);
    await withNetns('watch-crash', async (ns) => {
      const db = `${temp.path}/crash.db`;
      const holders: ChildProcess[] = [];
      const kept: number[] = [];
      try {
        for (let round = 0; round < 6; round++) {
          const watch = new WatchProcess(['--db', db, '--verify-every', '0', '--interval', '200ms'], { ns });
          await watch.started();
          const base = 20_000 + round * 300;
          const specs = Array.from({ length: 250 }, (_, k) => `tcp:127.0.0.1:${base + k}`);
          const burst = ns.spawn('python3', [holder, '--fork', '2', ...specs]);
          holders.push(burst);
          await waitForLine(burst, /^ready/m, 20_000);
          // Kill at a moment anywhere from before the burst is seen to well after it was recorded.
          await new Promise((resolve) => setTimeout(resolve, Math.floor(next() * 800)));
          await watch.stop('SIGKILL');
          // Half the bursts close while no watch runs: the next one must close their intervals.
          if (round < 5 && next() < 0.5) await kill(burst);
          else kept.push(round);
          const store = openStore(db);
          try {
            assert.deepEqual(store.integrityCheck(), ['ok'], `round ${round}`);
          } finally {
            store.close();
          }
        }
        const last = new WatchProcess(['--db', db, '--verify-every', '0', '--interval', '200ms'], { ns });
        await last.started();
        for (const burst of holders) await kill(burst);
        const store = openStore(db, { readOnly: true });
        try {
          await last.until(() => store.listeners.open().length === 0, 'every interval closed', 60_000);
        } finally {
          store.close();
        }
        assert.equal(await last.stop(), 0, last.stderr);
        const final = openStore(db);
        try {
          assert.deepEqual(final.integrityCheck(), ['ok']);
          const history = final.history({ since });
          // A burst still open when the next watch started was seen (one killed while no watch ran may
          // never have been); every interval is closed now.
          const ports = new Set(history.listeners.map((listener) => listener.port));
          for (const round of kept)
            for (const k of [0, 124, 249])
              assert.ok(ports.has(20_000 + round * 300 + k), `port of round ${round}`);
          assert.ok(history.listeners.every((listener) => listener.closedAt !== null));
        } finally {
          final.close();
        }
      } finally {
        for (const burst of holders) await kill(burst);
      }
    });
  });

  it('delivers the webhook events queued when watch died, once each, after the restart', async () => {
    const receiver = new WebhookReceiver();
    await receiver.reservePort();
    const db = `${temp.path}/hook-crash.db`;
    const args = ['--db', db, '--verify-every', '0', '--webhook', receiver.url];
    // This test's namespace (the suite's own): the receiver is this process, on 127.0.0.1.
    let watch = new WatchProcess(args);
    await watch.started();
    const peer = spawn('python3', [holder, 'tcp:127.0.0.1:0', 'tcp:127.0.0.1:0', 'udp:127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await waitForLine(peer, /^ready/m, 20_000);
      const ours = (w: WatchProcess) =>
        w.events.filter((event) => event.owners.some((owner) => owner.pid === peer.pid)).length;
      await watch.until((w) => ours(w) >= 3, 'the three listeners reported');
      await watch.stop('SIGKILL');
      assert.equal(receiver.received.length, 0);

      await receiver.up();
      watch = new WatchProcess(args);
      await watch.started();
      await watch.until(
        () => receiver.received.filter((event) => event.owners.some((o) => o.pid === peer.pid)).length >= 3,
        'the queued events delivered',
      );
      assert.equal(await watch.stop(), 0, watch.stderr);
      const store = openStore(db, { readOnly: true });
      try {
        // Other tests open and close listeners in this namespace meanwhile, so watch may stop with
        // events still queued: what it delivered is the recorded events' head, in order, each once,
        // and the rest is still in the queue (delivered at the next start), none lost.
        const recorded = store.history({ since }).events.map((event) => event.id);
        const delivered = receiver.received.map((event) => event.id);
        assert.ok(delivered.length > 0 && delivered.length <= recorded.length);
        assert.deepEqual(delivered, recorded.slice(0, delivered.length), 'delivered once each, in order');
        assert.equal(
          store.outbox.pending(`webhook:${receiver.url}`),
          recorded.length - delivered.length,
          'every recorded event not delivered is still queued',
        );
      } finally {
        store.close();
      }
    } finally {
      await kill(peer);
      await receiver.down();
    }
  });
});
