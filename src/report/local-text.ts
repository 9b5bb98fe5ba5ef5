// Renders `earshot local` as a table like `ss -tulpn`, but with every owner, its user and executable.
import { formatOwnerGroup, groupOwners } from '../describe/owners.js';
import type { Inventory, Owner, Socket } from '../model.js';
import { layoutColumns } from './table.js';
import { escapeForTerminal } from './terminal-escape.js';

/** What the text table shows besides the sockets themselves. */
export interface LocalTextOptions {
  /** Show the peer column (for `--all`, where connections are listed). */
  showPeer?: boolean;
  /** Show the network namespace column (for `--all-netns`). */
  showNetns?: boolean;
}

/** `addr:port`, with IPv6 in brackets and port 0 of a peer as `*`, as ss prints them. */
export function formatEndpoint(
  address: string,
  port: number,
  family: Socket['family'],
  peer = false,
): string {
  const host = family === 'ipv6' && address.includes(':') ? `[${address}]` : address;
  return `${host}:${peer && port === 0 ? '*' : port}`;
}

/**
 * The owners in ss-like groups: processes with the same name and executable share one entry,
 * `ypbind[653,655,656,657] /usr/sbin/ypbind`; a deleted executable is marked `(deleted)`.
 */
export function formatOwners(owners: readonly Owner[]): string {
  return groupOwners(owners, 'process')
    .map((group) => escapeForTerminal(formatOwnerGroup(group, { exe: true })))
    .join('; ');
}

function formatUser(socket: Socket): string {
  const names = new Set<string>();
  for (const owner of socket.owners) names.add(owner.user ?? (owner.uid === null ? '?' : String(owner.uid)));
  if (names.size === 0) names.add(socket.user ?? String(socket.uid));
  return escapeForTerminal([...names].join(','));
}

/** The table `earshot local` prints, one socket a row, ending with a newline (or a note when empty). */
export function renderLocalText(inventory: Inventory, options: LocalTextOptions = {}): string {
  const header = ['Netid', 'State', 'Recv-Q', 'Send-Q', 'Local Address:Port'];
  if (options.showPeer) header.push('Peer Address:Port');
  if (options.showNetns) header.push('Netns');
  header.push('User', 'Process');
  // A server's sockets all have the same owners: format each distinct owner set and uid once.
  const ownerCells = new Map<string, [string, string]>();
  const formatOwnerCells = (socket: Socket) => {
    const key = `${socket.uid} ${socket.ownerStatus.kind} ${socket.owners.map((owner) => owner.pid).join(',')}`;
    let cells = ownerCells.get(key);
    if (cells === undefined) {
      const process =
        socket.ownerStatus.kind === 'known' ? formatOwners(socket.owners) : socket.ownerStatus.message;
      cells = [formatUser(socket), process];
      ownerCells.set(key, cells);
    }
    return cells;
  };
  const rows = inventory.sockets.map((socket) => {
    const row = [
      socket.protocol,
      socket.state,
      String(socket.receiveQueue),
      String(socket.sendQueue),
      formatEndpoint(socket.localAddress, socket.localPort, socket.family),
    ];
    if (options.showPeer)
      row.push(formatEndpoint(socket.remoteAddress, socket.remotePort, socket.family, true));
    if (options.showNetns) {
      const container = socket.container ? ` (${escapeForTerminal(socket.container.slice(0, 12))})` : '';
      row.push(`${socket.netns ?? '?'}${container}`);
    }
    for (const cell of formatOwnerCells(socket)) row.push(cell);
    return row;
  });
  const lines = layoutColumns([header, ...rows]);
  if (rows.length === 0) lines.push('(no sockets match)');
  const unknown = inventory.sockets.filter((socket) => socket.ownerStatus.kind === 'unknown').length;
  if (unknown > 0) {
    lines.push(
      '',
      `${unknown} socket(s) have owners this user may not see: run as root to see every process.`,
    );
  } else if (!inventory.complete) {
    lines.push('', 'Not everything could be read: see the warnings.');
  }
  return `${lines.join('\n')}\n`;
}
