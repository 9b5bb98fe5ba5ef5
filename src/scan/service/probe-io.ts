// Bounded conversations with a peer for service detection: connect (plain or TLS) within a time
// limit, send at most one request, and read a reply capped in bytes and time. A peer that floods,
// trickles or stays silent ends the read; it never holds it.
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, TLSSocket } from 'node:tls';
import { ALPN_OFFER } from './probes/tls.js';

/** How long and how much to read. */
export interface ReadLimits {
  /** Hard limit for the whole read, from the moment it starts. */
  timeoutMs: number;
  /** Once bytes arrived, stop after this long without more. */
  quietMs: number;
  maxBytes: number;
  /** Stops the read early once the reply is whole. */
  complete?: ((reply: Buffer) => boolean) | undefined;
  signal?: AbortSignal | undefined;
}

/** An open conversation; `close` resets the connection (no FIN_WAIT pile-up on busy servers). */
export interface ProbeConnection {
  socket: Socket | TLSSocket;
  close(): void;
}

/** Opens a connection for one probe, or null when the peer could not be reached in time. */
export type Connector = (timeoutMs: number, signal?: AbortSignal) => Promise<ProbeConnection | null>;

// Out of descriptors or memory says nothing about the peer: connect again shortly, within the time
// the probe has (another part of the program, a scan beside it, will give some back).
const RESOURCE_CODES = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM']);
const RESOURCE_RETRY_MS = 20;

function settle<T extends Socket>(
  open: () => T,
  readyEvent: 'connect' | 'secureConnect',
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeConnection | null> {
  return new Promise((resolve) => {
    let socket: T;
    let retry: NodeJS.Timeout | undefined;
    // A TLS socket cannot be reset (its handle is not a plain TCP handle); it is destroyed instead.
    const close = () => {
      if (!(socket instanceof TLSSocket) && !socket.destroyed && socket.readyState === 'open') {
        socket.resetAndDestroy();
      } else socket.destroy();
    };
    const detach = () => {
      socket.off(readyEvent, onReady);
      socket.off('error', onError);
    };
    const done = (ok: boolean) => {
      clearTimeout(timer);
      clearTimeout(retry);
      detach();
      signal?.removeEventListener('abort', onAbort);
      if (!ok) close();
      resolve(ok ? { socket, close } : null);
    };
    const onReady = () => done(true);
    const onError = (error: NodeJS.ErrnoException) => {
      if (!RESOURCE_CODES.has(error.code ?? '')) return done(false);
      detach();
      socket.destroy();
      retry = setTimeout(attempt, RESOURCE_RETRY_MS);
    };
    const onAbort = () => done(false);
    const attempt = () => {
      socket = open();
      socket.once(readyEvent, onReady);
      socket.once('error', onError);
      // Errors after the handshake (a reset while reading) end the read; they must not be unhandled.
      socket.on('error', () => {});
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    attempt();
    if (signal?.aborted) done(false);
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A plain TCP connector to address:port. */
export function tcpConnector(address: string, port: number): Connector {
  return (timeoutMs, signal) =>
    settle(() => connectTcp({ host: address, port }), 'connect', timeoutMs, signal);
}

/** A TLS connector (SNI when `servername` is a name, ALPN h2/http1.1, any certificate accepted). */
export function tlsConnector(
  address: string,
  port: number,
  options: { servername?: string | undefined; alpn?: string[] } = {},
): Connector {
  return (timeoutMs, signal) =>
    settle(
      () =>
        connectTls({
          host: address,
          port,
          ...(options.servername ? { servername: options.servername } : {}),
          ALPNProtocols: options.alpn ?? ALPN_OFFER,
          // Detection, not trust: self-signed and expired certificates are facts to report.
          rejectUnauthorized: false,
          minVersion: 'TLSv1',
        }),
      'secureConnect',
      timeoutMs,
      signal,
    );
}

function isComplete(limits: ReadLimits, reply: Buffer): boolean {
  try {
    return limits.complete?.(reply) ?? false;
  } catch {
    return false;
  }
}

/** Reads what the peer sends until complete, closed, quiet, capped or timed out. Never rejects. */
export function readReply(socket: Socket, limits: ReadLimits): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let quietTimer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(hardTimer);
      clearTimeout(quietTimer);
      socket.off('data', onData);
      socket.off('end', finish);
      socket.off('close', finish);
      socket.off('error', finish);
      limits.signal?.removeEventListener('abort', finish);
      socket.pause();
      resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      const take = Math.min(chunk.length, limits.maxBytes - size);
      chunks.push(take === chunk.length ? chunk : chunk.subarray(0, take));
      size += take;
      if (size >= limits.maxBytes || isComplete(limits, Buffer.concat(chunks, size))) return finish();
      clearTimeout(quietTimer);
      quietTimer = setTimeout(finish, limits.quietMs);
    };
    const hardTimer = setTimeout(finish, limits.timeoutMs);
    socket.on('data', onData);
    socket.once('end', finish);
    socket.once('close', finish);
    socket.once('error', finish);
    if (limits.signal?.aborted) finish();
    else limits.signal?.addEventListener('abort', finish, { once: true });
  });
}

/** One probe: connect, send `request` (if any), read the reply, close. Null when no connection. */
export async function exchange(
  connector: Connector,
  request: Uint8Array | undefined,
  limits: ReadLimits,
): Promise<Buffer | null> {
  const connection = await connector(limits.timeoutMs, limits.signal);
  if (!connection) return null;
  try {
    if (request) connection.socket.write(request);
    return await readReply(connection.socket, limits);
  } finally {
    connection.close();
  }
}
