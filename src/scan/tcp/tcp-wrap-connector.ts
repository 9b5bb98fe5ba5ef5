// The connect engine's slots on Node's tcp_wrap handles (the layer under net.Socket), for when
// earshot's own socket table (native/tcp_connect.c) is not built. It answers as the native table
// does: self-connects and resets settled here, abandoned connects never complete.
import type { AddressFamily } from '../../model.js';
import {
  CONNECTED,
  type Connector,
  type ConnectorEvents,
  type ConnectRequest,
  SELF_CONNECTED,
} from './connector.js';
import { binding, type ConnectReq, isSelfConnect, SocketPool, type TcpHandle, UV } from './tcp-handles.js';

/** Connect slots on tcp_wrap handles, refused sockets reused (SocketPool). */
export class TcpWrapConnector implements Connector {
  readonly #sockets = new SocketPool();
  readonly #handles: (TcpHandle | null)[];
  // What the completion needs of each slot's request (the caller may reuse its request object).
  readonly #family: AddressFamily[];
  readonly #checkSelf: Uint8Array;
  readonly #reuse: Uint8Array;
  readonly #events: ConnectorEvents;

  constructor(capacity: number, events: ConnectorEvents) {
    this.#handles = new Array<TcpHandle | null>(capacity).fill(null);
    this.#family = new Array<AddressFamily>(capacity).fill('ipv4');
    this.#checkSelf = new Uint8Array(capacity);
    this.#reuse = new Uint8Array(capacity);
    this.#events = events;
  }

  connect(slot: number, request: Readonly<ConnectRequest>): number {
    const req = new binding.TCPConnectWrap();
    req.oncomplete = this.#oncomplete;
    req.slot = slot;
    const handle = this.#sockets.connect(request.family, request.address, request.port, req, request.reuse);
    const error = this.#sockets.lastError;
    if (error !== 0) {
      handle.close();
      return error;
    }
    // libuv completes a connect from the event loop, never inside the call that starts it.
    this.#handles[slot] = handle;
    this.#family[slot] = request.family;
    this.#checkSelf[slot] = request.checkSelf ? 1 : 0;
    this.#reuse[slot] = request.reuse ? 1 : 0;
    return 0;
  }

  readonly #oncomplete = (status: number, handle: TcpHandle, req: ConnectReq): void => {
    const slot = req.slot;
    // A connect abandoned (timeout, host timeout) completes with ECANCELED, or late: ignore it.
    if (this.#handles[slot] !== handle || status === UV.ECANCELED) return;
    this.#handles[slot] = null;
    let result = status;
    if (status === 0) {
      if (this.#checkSelf[slot] === 1 && isSelfConnect(handle)) result = SELF_CONNECTED;
      // RST, not FIN: a FIN close leaves FIN_WAIT2/CLOSE_WAIT pairs behind by the thousand.
      handle.reset();
    } else if (status === UV.ECONNREFUSED && this.#reuse[slot] === 1) {
      // A refused socket can connect again: keep it rather than pay for a new one. Not for a host
      // that takes new sockets only: nothing would take them.
      this.#sockets.keep(handle, this.#family[slot]!);
    } else {
      handle.close();
    }
    this.#events.completed(slot, result === 0 ? CONNECTED : result);
    this.#events.batchDone();
  };

  abandon(slot: number): void {
    const handle = this.#handles[slot];
    if (handle === null || handle === undefined) return;
    this.#handles[slot] = null;
    handle.close();
  }

  close(): void {
    for (let slot = 0; slot < this.#handles.length; slot++) this.abandon(slot);
    this.#sockets.close();
  }
}
