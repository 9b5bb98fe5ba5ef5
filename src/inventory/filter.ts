// Narrows an inventory to the sockets a user asked about (`earshot local --port/--pid/--user`).
import type { Socket } from '../model.js';

/** Which sockets to keep; every given criterion must match. */
export interface SocketFilter {
  /** Local ports to keep. */
  ports?: ReadonlySet<number>;
  /** Keep sockets held by this process. */
  pid?: number;
  /** Keep sockets of this user, by name or uid: the socket's uid or any owner's. */
  user?: string;
}

function matchesUser(socket: Socket, user: string): boolean {
  const uid = /^\d+$/.test(user) ? Number(user) : null;
  if (socket.uid === uid || socket.user === user) return true;
  return socket.owners.some((owner) => owner.user === user || (uid !== null && owner.uid === uid));
}

/** The sockets that match `filter`, in their order. */
export function filterSockets(sockets: readonly Socket[], filter: SocketFilter): Socket[] {
  return sockets.filter(
    (socket) =>
      (filter.ports === undefined || filter.ports.has(socket.localPort)) &&
      (filter.pid === undefined || socket.owners.some((owner) => owner.pid === filter.pid)) &&
      (filter.user === undefined || matchesUser(socket, filter.user)),
  );
}
