// Shared by the watch tests: a process that anchors a test namespace (watch reads that namespace's
// tables through /proc/<pid>/net), an event collector, and bounded waits.
import type { ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import type { EarshotEvent } from '../../src/model.js';
import type { Netns } from '../helpers/netns/netns.js';

/** Starts `sleep` inside `ns` and returns its pid once it runs there (ip netns exec has switched). */
export async function anchorPid(ns: Netns): Promise<{ pid: number; child: ChildProcess }> {
  const child = ns.spawn('sleep', ['300']);
  const own = readlinkSync('/proc/self/ns/net');
  const pid = child.pid!;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) !== own && readlinkSync(`/proc/${pid}/exe`).endsWith('sleep'))
        return { pid, child };
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the anchor process never entered the namespace');
}

/** Events as they arrive, with the time each arrived. */
export class EventCollector {
  readonly events: { event: EarshotEvent; receivedMs: number }[] = [];
  readonly onEvent = (event: EarshotEvent) => {
    this.events.push({ event, receivedMs: Date.now() });
  };

  /** Events matching `match`. */
  find(match: (event: EarshotEvent) => boolean): EarshotEvent[] {
    return this.events.filter((entry) => match(entry.event)).map((entry) => entry.event);
  }

  /** Waits (bounded) for the first event matching `match`; returns it and when it arrived. */
  async waitFor(
    match: (event: EarshotEvent) => boolean,
    timeoutMs = 20_000,
  ): Promise<{ event: EarshotEvent; receivedMs: number }> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.events.find((entry) => match(entry.event));
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(
      `no matching event within ${timeoutMs} ms; got: ${this.events.map((e) => `${e.event.type} ${e.event.protocol} ${e.event.port}`).join(', ')}`,
    );
  }
}

/** Waits (bounded) until `check` returns true. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** An event about `protocol` `port`. */
export const at =
  (type: EarshotEvent['type'], protocol: 'tcp' | 'udp', port: number) => (event: EarshotEvent) =>
    event.type === type && event.protocol === protocol && event.port === port;
