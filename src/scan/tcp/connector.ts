// What the TCP connect engine drives: a table of connect slots, each holding at most one connect
// under way. Two implementations answer alike (open-connector.ts picks one): earshot's own socket
// table (native/tcp_connect.c), which costs the kernel's work alone per probe, and Node's tcp_wrap
// handles, used when the addon is not built.
import type { AddressFamily } from '../../model.js';

/** A finished connect's status: connected (and reset). Failures are negative errno values. */
export const CONNECTED = 0;
/** Connected to itself: the kernel picked the target port as the source port, so nothing listens. */
export const SELF_CONNECTED = 1;

/** How one connect in a slot should go. */
export interface ConnectRequest {
  family: AddressFamily;
  address: string;
  port: number;
  /** Compare the two ends when it connects (only a port in the ephemeral range can self-connect). */
  checkSelf: boolean;
  /** A socket a refusal left behind may carry it (see SocketPool); false: a new socket. */
  reuse: boolean;
}

/** Called for each finished connect; `batchDone` after each batch of them. */
export interface ConnectorEvents {
  completed(slot: number, status: number): void;
  batchDone(): void;
}

/** The connect slots of one engine thread. */
export interface Connector {
  /** Starts a connect in a free slot: 0 when under way, else a negative errno (the slot stays free). */
  connect(slot: number, request: Readonly<ConnectRequest>): number;
  /** Gives up the connect in `slot`: its socket is closed and no completion comes for it. */
  abandon(slot: number): void;
  /** Closes every socket. */
  close(): void;
}

/** Which implementation a run uses: the native socket table when it is built, or tcp_wrap. */
export type ConnectorKind = 'native' | 'tcp_wrap';
