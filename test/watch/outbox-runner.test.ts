import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EarshotEvent } from '../../src/model.js';
import { openStore } from '../../src/store/open-store.js';
import { OutboxRunner } from '../../src/watch/outbox-runner.js';
import type { Sink } from '../../src/watch/sinks/sink.js';

const event = (n: number): EarshotEvent => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type: 'listener-opened',
  time: '2026-01-01T00:00:00.000Z',
  host: 'test',
  severity: 'info',
  protocol: 'tcp',
  port: 8000 + n,
  address: '0.0.0.0',
  owners: [],
});

/** A sink whose deliveries wait until `release` (or their abort); it records what it took. */
function slowSink(): Sink & { taken: string[]; started: Promise<void>; release(): void } {
  let started!: () => void;
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const sink = {
    name: 'test:slow',
    taken: [] as string[],
    started: new Promise<void>((resolve) => {
      started = resolve;
    }),
    release: () => release(),
    async deliver(delivered: EarshotEvent, signal: AbortSignal) {
      started();
      await new Promise<void>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        released.then(resolve);
      });
      sink.taken.push(delivered.id);
    },
  };
  return sink;
}

describe('the outbox runner', () => {
  it('lets a delivery in flight finish when stopped, and starts no other', { timeout: 30_000 }, async () => {
    const store = openStore(':memory:');
    const sink = slowSink();
    store.write('t', () => {
      store.events.append(event(1), [sink.name]);
      store.events.append(event(2), [sink.name]);
    });
    const runner = new OutboxRunner(store, sink, { stopGraceMs: 20_000 });
    await sink.started;
    const stopped = runner.stop();
    // The receiver answers after the stop began: the event is delivered, recorded, and not sent again.
    setTimeout(() => sink.release(), 100);
    await stopped;
    assert.deepEqual(sink.taken, [event(1).id]);
    assert.equal(store.outbox.pending(sink.name), 1, 'the second event waits for the next start');
    assert.equal(store.outbox.next(sink.name)?.event.id, event(2).id);
    store.close();
  });

  it('aborts a delivery that outlasts the grace, and keeps it queued', { timeout: 30_000 }, async () => {
    const store = openStore(':memory:');
    const sink = slowSink();
    store.write('t', () => store.events.append(event(3), [sink.name]));
    const runner = new OutboxRunner(store, sink, { stopGraceMs: 100 });
    await sink.started;
    await runner.stop();
    assert.deepEqual(sink.taken, []);
    assert.equal(store.outbox.pending(sink.name), 1);
    store.close();
  });
});
