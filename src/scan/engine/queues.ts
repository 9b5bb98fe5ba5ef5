// The queues between the engine's parts: a plain first-in, first-out queue, the feeds engine threads
// take hosts from (a fixed list, or a queue the scan keeps filling as hosts are discovered and
// threads have room, so one engine run lasts a whole scan and no thread waits at a group boundary),
// and the queue of finished hosts the scan's reader takes from. Each reads from a moving head and
// drops its taken front now and then: no shift() copying, no whole scan's worth of spent slots.
import type { EngineHost } from './host-state.js';

/** A first-in, first-out queue. */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  /** Items waiting. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** The oldest item, without taking it; undefined when empty. */
  peek(): T | undefined {
    return this.#items[this.#head];
  }

  /** Takes the oldest item; undefined when empty. */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

/** A source of hosts for one engine run. */
export interface HostFeed {
  /** The next host; null when none is ready yet (more may come); undefined once the feed has ended. */
  next(): EngineHost | null | undefined;
  /** Asks for one call of `wake` once `next()` has something new: a host, or the end. */
  notify(wake: () => void): void;
}

/** A feed over hosts all known in advance. */
export function iteratorFeed(hosts: Iterator<EngineHost>): HostFeed {
  return {
    next() {
      const item = hosts.next();
      return item.done ? undefined : item.value;
    },
    notify() {
      // Never needed: next() never answers null.
    },
  };
}

/** A feed that hosts are pushed into as they become known, then ended. */
export class QueueFeed implements HostFeed {
  readonly #hosts = new Fifo<EngineHost>();
  #ended = false;
  #wake: (() => void) | null = null;

  next(): EngineHost | null | undefined {
    const host = this.#hosts.shift();
    if (host !== undefined) return host;
    return this.#ended ? undefined : null;
  }

  notify(wake: () => void): void {
    this.#wake = wake;
  }

  /** Hosts waiting to be taken. */
  get size(): number {
    return this.#hosts.size;
  }

  /** Adds one host and wakes the engine waiting for it. */
  push(host: EngineHost): void {
    this.#hosts.push(host);
    this.#fire();
  }

  /** No host will follow. */
  end(): void {
    this.#ended = true;
    this.#fire();
  }

  // Never from inside the caller's stack: the engine may be the caller (a host it finished frees
  // room for the next), and its pump must not run re-entrantly.
  #fire(): void {
    const wake = this.#wake;
    this.#wake = null;
    if (wake) queueMicrotask(wake);
  }
}

/** An async queue of finished hosts: the pass pushes, the generator pulls; it ends or fails once. */
export class ResultQueue<T> {
  readonly #items = new Fifo<T>();
  #wake: (() => void) | null = null;
  #closed = false;
  #failure: { error: unknown } | null = null;

  push(item: T): void {
    this.#items.push(item);
    this.#fire();
  }

  close(): void {
    this.#closed = true;
    this.#fire();
  }

  fail(error: unknown): void {
    this.#failure ??= { error };
    this.#fire();
  }

  /** The next item; undefined once closed and empty; throws the failure. */
  async next(): Promise<T | undefined> {
    for (;;) {
      if (this.#failure) throw this.#failure.error;
      const item = this.#items.shift();
      if (item !== undefined) return item;
      if (this.#closed) return undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #fire(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
