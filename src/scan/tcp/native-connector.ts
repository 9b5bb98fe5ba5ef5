// The connect engine's slots on earshot's own socket table (native/tcp_connect.c): one epoll
// instance polled by Node's loop, completions delivered in batches through a shared Int32Array.
import type { Connector, ConnectorEvents, ConnectRequest } from './connector.js';

/** native/tcp_connect.c's exports. */
export interface TcpConnectAddon {
  open(
    capacity: number,
    results: Int32Array,
    onResults: (count: number) => void,
  ): { handle: object } | { errno: number; message: string };
  connect(
    handle: object,
    slot: number,
    address: string,
    port: number,
    checkSelf: boolean,
    reuse: boolean,
  ): number;
  abandon(handle: object, slot: number): void;
  close(handle: object): void;
}

// The addon's RESULTS_PER_WAKEUP, two numbers each.
const RESULT_NUMBERS = 2 * 1024;

/** Connect slots on the native socket table. */
export class NativeConnector implements Connector {
  readonly #addon: TcpConnectAddon;
  readonly #handle: object;

  private constructor(addon: TcpConnectAddon, handle: object) {
    this.#addon = addon;
    this.#handle = handle;
  }

  /** Opens the table; null when the kernel refuses it (epoll_create1 out of descriptors). */
  static open(addon: TcpConnectAddon, capacity: number, events: ConnectorEvents): NativeConnector | null {
    const results = new Int32Array(RESULT_NUMBERS);
    const opened = addon.open(capacity, results, (count) => {
      for (let i = 0; i < count; i++) events.completed(results[2 * i]!, results[2 * i + 1]!);
      events.batchDone();
    });
    return 'handle' in opened ? new NativeConnector(addon, opened.handle) : null;
  }

  connect(slot: number, request: Readonly<ConnectRequest>): number {
    return this.#addon.connect(
      this.#handle,
      slot,
      request.address,
      request.port,
      request.checkSelf,
      request.reuse,
    );
  }

  abandon(slot: number): void {
    this.#addon.abandon(this.#handle, slot);
  }

  close(): void {
    this.#addon.close(this.#handle);
  }
}
