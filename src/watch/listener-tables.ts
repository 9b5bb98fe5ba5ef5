// Reads the listening part of the kernel's socket tables, without owners, as cheaply as the kernel
// allows: a TCP table only up to its first connection line (inventory/proc-table-read.ts), and a
// table whose text is what it was at the last read is not parsed again (an idle host's tables do not
// change from one second to the next).

import { PROC_NET_TABLES, parseProcNet } from '../inventory/proc-net.js';
import { readTableText, readTcpListeningPrefix } from '../inventory/proc-table-read.js';
import { readFailure } from '../io/bounded-read.js';
import type { InventoryWarning, Socket } from '../model.js';

/** What one read of the tables found. */
export interface ListeningRead {
  /** TCP LISTEN and bound, unconnected UDP sockets, without owners. */
  sockets: Socket[];
  warnings: InventoryWarning[];
  /** How many of the four tables could be read. */
  tablesRead: number;
  /** False when every table read the same text as last time (the sockets are the same objects). */
  changed: boolean;
}

/** Reads the listening sockets of one network namespace, remembering each table's text. */
export class ListenerTables {
  readonly #netDir: string;
  readonly #last = new Map<string, { text: string; sockets: Socket[] }>();
  #tablesRead = -1;

  /** `netDir`: a procfs `net/` directory (`/proc/net`, or `/proc/<pid>/net` for that process's namespace). */
  constructor(netDir: string) {
    this.#netDir = netDir;
  }

  /** Reads the four tables (tcp, tcp6, udp, udp6); an unreadable one is a warning. */
  read(): ListeningRead {
    const sockets: Socket[] = [];
    const warnings: InventoryWarning[] = [];
    let tablesRead = 0;
    let changed = this.#last.size === 0;
    for (const table of PROC_NET_TABLES) {
      const path = `${this.#netDir}/${table.file}`;
      let text: string;
      try {
        text = table.protocol === 'tcp' ? readTcpListeningPrefix(path) : readTableText(path);
      } catch (error) {
        // tcp6/udp6 are absent when IPv6 is disabled.
        warnings.push({ source: path, message: `not read: ${readFailure(error)}` });
        continue;
      }
      tablesRead++;
      const last = this.#last.get(path);
      if (last !== undefined && last.text === text) {
        for (const socket of last.sockets) sockets.push(socket);
        continue;
      }
      changed = true;
      const parsed = parseProcNet(text, table, path, { listeningOnly: true });
      for (const warning of parsed.warnings) warnings.push(warning);
      this.#last.set(path, { text, sockets: parsed.sockets });
      for (const socket of parsed.sockets) sockets.push(socket);
    }
    // A table that could not be read this time (or again) counts as a change.
    if (tablesRead !== this.#tablesRead) changed = true;
    this.#tablesRead = tablesRead;
    return { sockets, warnings, tablesRead, changed };
  }
}
