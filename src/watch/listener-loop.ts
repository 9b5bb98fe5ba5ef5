// One poll of the listeners: read the listening tables, bring the owners of their sockets up to date,
// compare with what was recorded, and record the changes and their events in one transaction. Only
// once they are stored does the state move on, so a poll whose write failed is repeated, not lost.
import type { EarshotEvent } from '../model.js';
import type { Store } from '../store/store.js';
import { type EventContext, listenerEvent } from './events.js';
import { diffListeners, groupListeners, type Listener, type TrackedListener } from './listener-diff.js';
import { ListenerTables } from './listener-tables.js';
import { OwnerTracker } from './owner-tracker.js';

/** Options of the listener loop. */
export interface ListenerLoopOptions {
  store: Store;
  procRoot: string;
  /** The `net/` directory whose tables to read (default `<procRoot>/net`). */
  netDir?: string;
  passwdPath?: string;
  ownerRescanMs?: number;
}

/** What a poll saw. */
export interface PollResult {
  events: EarshotEvent[];
  warnings: string[];
}

/** Follows the listeners of one host from poll to poll. */
export class ListenerLoop {
  readonly #store: Store;
  readonly #tables: ListenerTables;
  readonly owners: OwnerTracker;
  #tracked: Map<string, TrackedListener>;
  /** Whether the last comparison left listeners out (ignored): the next poll must compare again. */
  #leftOut = true;

  constructor(options: ListenerLoopOptions) {
    this.#store = options.store;
    this.#tables = new ListenerTables(options.netDir ?? `${options.procRoot}/net`);
    this.owners = new OwnerTracker({
      procRoot: options.procRoot,
      ...(options.passwdPath !== undefined ? { passwdPath: options.passwdPath } : {}),
      ...(options.ownerRescanMs !== undefined ? { rescanMs: options.ownerRescanMs } : {}),
    });
    // A listener still open when the last watch stopped continues its interval.
    this.#tracked = new Map(
      this.#store
        .read('loading open listeners', () => this.#store.listeners.open())
        .map((stored) => {
          const key = `${stored.protocol} ${stored.address} ${stored.port}`;
          return [
            key,
            { ...stored, key, intervalId: stored.id, inodes: [...stored.inodes].sort((a, b) => a - b) },
          ];
        }),
    );
  }

  /** The listeners recorded as open now. */
  listeners(): TrackedListener[] {
    return [...this.#tracked.values()];
  }

  /**
   * Polls once. `ignore` drops new listeners that should not count yet (watch's own sockets while
   * its verify runs). Throws ERR_STORE_* when the changes could not be stored (nothing moved on).
   */
  poll(
    context: EventContext,
    sinks: readonly string[],
    ignore: (listener: Listener) => boolean,
    signal?: AbortSignal,
  ): PollResult {
    const read = this.#tables.read();
    const warnings = read.warnings.map((warning) => `${warning.source}: ${warning.message}`);
    if (read.tablesRead === 0) return { events: [], warnings };
    const inodes = new Set<number>();
    for (const socket of read.sockets) if (socket.inode !== 0) inodes.add(socket.inode);
    const ownersChanged = this.owners.update(inodes, Date.now(), signal);
    // An idle host: the same tables, the same owners. Nothing to compare (about half of a poll's
    // JavaScript time with 2,000 listeners, by bench/watch.ts's profile).
    if (!read.changed && !ownersChanged && !this.#leftOut) return { events: [], warnings };
    const now = groupListeners(read.sockets, (inode) => this.owners.ownersOf(inode));
    let leftOut = false;
    for (const [key, listener] of now) {
      if (!this.#tracked.has(key) && ignore(listener)) {
        now.delete(key);
        leftOut = true;
      }
    }
    // Until the changes are stored, the next poll compares again (a failed write is repeated).
    this.#leftOut = true;
    const changes = diffListeners(this.#tracked, now);
    const nothing =
      changes.opened.length +
      changes.closed.length +
      changes.ownersChanged.length +
      changes.socketsChanged.length;
    if (nothing === 0) {
      this.#leftOut = leftOut;
      return { events: [], warnings };
    }
    const next = new Map(this.#tracked);
    const events: EarshotEvent[] = [];
    this.#store.write('recording listener changes', () => {
      for (const closed of changes.closed) {
        this.#store.listeners.closed(closed.intervalId, context.time);
        next.delete(closed.key);
        events.push(listenerEvent('listener-closed', closed, context, { openedAt: closed.openedAt }));
      }
      for (const opened of changes.opened) {
        const intervalId = this.#store.listeners.opened({
          protocol: opened.protocol,
          address: opened.address,
          port: opened.port,
          inodes: opened.inodes,
          owners: opened.owners,
          openedAt: context.time,
        });
        next.set(opened.key, { ...opened, intervalId, openedAt: context.time });
        events.push(listenerEvent('listener-opened', opened, context));
      }
      for (const { before, after } of changes.ownersChanged) {
        this.#store.listeners.changed(before.intervalId, {
          inodes: after.inodes,
          owners: after.owners,
          ownersSince: context.time,
        });
        next.set(after.key, { ...after, intervalId: before.intervalId, openedAt: before.openedAt });
        events.push(
          listenerEvent('owners-changed', after, context, {
            previousOwners: before.owners,
            openedAt: before.openedAt,
          }),
        );
      }
      for (const { before, after } of changes.socketsChanged) {
        this.#store.listeners.changed(before.intervalId, { inodes: after.inodes, owners: after.owners });
        next.set(after.key, { ...after, intervalId: before.intervalId, openedAt: before.openedAt });
      }
      for (const event of events) this.#store.events.append(event, sinks);
    });
    this.#tracked = next;
    this.#leftOut = leftOut;
    return { events, warnings };
  }
}
