// Listeners as watch follows them, and what changed between two reads (pure). A listener is an
// endpoint (protocol, address, port) with every socket listening there, so SO_REUSEPORT siblings
// are one listener, and a socket shared by forked children is one listener with every child as an
// owner.
import type { Owner, Protocol, Socket } from '../model.js';

/** One listener now: its endpoint, its sockets and who holds them. */
export interface Listener {
  key: string;
  protocol: Protocol;
  address: string;
  port: number;
  /** Socket inodes, ascending. */
  inodes: number[];
  /** Every process holding any of them, by pid. */
  owners: Owner[];
}

/** A listener watch has recorded: with its store interval and when it opened. */
export interface TrackedListener extends Listener {
  intervalId: number;
  openedAt: string;
}

/** What changed from one read to the next. */
export interface ListenerChanges {
  opened: Listener[];
  closed: TrackedListener[];
  ownersChanged: { before: TrackedListener; after: Listener }[];
  /** Sockets came or went at an endpoint while others stayed, with the same owners. */
  socketsChanged: { before: TrackedListener; after: Listener }[];
}

/** The key of an endpoint. */
export function listenerKey(protocol: Protocol, address: string, port: number): string {
  return `${protocol} ${address} ${port}`;
}

/** Groups listening sockets by endpoint, with the owners `ownersOf` gives each socket. */
export function groupListeners(
  sockets: readonly Socket[],
  ownersOf: (inode: number) => Owner[],
): Map<string, Listener> {
  const listeners = new Map<string, Listener>();
  for (const socket of sockets) {
    const key = listenerKey(socket.protocol, socket.localAddress, socket.localPort);
    let listener = listeners.get(key);
    if (listener === undefined) {
      listener = {
        key,
        protocol: socket.protocol,
        address: socket.localAddress,
        port: socket.localPort,
        inodes: [],
        owners: [],
      };
      listeners.set(key, listener);
    }
    if (!listener.inodes.includes(socket.inode)) listener.inodes.push(socket.inode);
  }
  for (const listener of listeners.values()) {
    listener.inodes.sort((a, b) => a - b);
    const owners = new Map<number, Owner>();
    for (const inode of listener.inodes) for (const owner of ownersOf(inode)) owners.set(owner.pid, owner);
    listener.owners = [...owners.values()].sort((a, b) => a.pid - b.pid);
  }
  return listeners;
}

/** True when two owner lists name the same processes. */
export function sameOwners(a: readonly Owner[], b: readonly Owner[]): boolean {
  return a.length === b.length && a.every((owner, index) => owner.pid === b[index]!.pid);
}

const sameInodes = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((inode, index) => inode === b[index]);

/**
 * Compares the recorded listeners with the ones read now. An endpoint whose sockets were all
 * replaced (a service restarted between two reads) closed and opened again.
 */
export function diffListeners(
  before: ReadonlyMap<string, TrackedListener>,
  now: ReadonlyMap<string, Listener>,
): ListenerChanges {
  const changes: ListenerChanges = { opened: [], closed: [], ownersChanged: [], socketsChanged: [] };
  for (const [key, old] of before) {
    const current = now.get(key);
    if (current === undefined) {
      changes.closed.push(old);
    } else if (!current.inodes.some((inode) => old.inodes.includes(inode))) {
      changes.closed.push(old);
      changes.opened.push(current);
    } else if (!sameOwners(old.owners, current.owners)) {
      changes.ownersChanged.push({ before: old, after: current });
    } else if (!sameInodes(old.inodes, current.inodes)) {
      changes.socketsChanged.push({ before: old, after: current });
    }
  }
  for (const [key, current] of now) if (!before.has(key)) changes.opened.push(current);
  return changes;
}
