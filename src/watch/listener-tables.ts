// Reads the listening part of the kernel's socket tables, without owners, as cheaply as the kernel
// allows. In this process's own network namespace it asks netlink sock_diag for the listening sockets
// only (inventory/sock-diag.ts: the kernel walks its listening hash and answers in binary); for
// another namespace's tables, a --proc-root, a /proc/net that is not procfs (a doctored copy mounted
// over it), without the addon, or after netlink failed once, it reads /proc/net text: a TCP table
// only up to its first connection line (inventory/proc-table-read.ts). Either way a table whose
// bytes are what they were at the last read is not decoded again (an idle host's tables do not
// change from one second to the next).
import { realpathSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { PROC_NET_TABLES, type ProcNetTable, parseProcNet } from '../inventory/proc-net.js';
import { readTableText, readTcpListeningPrefix } from '../inventory/proc-table-read.js';
import { loadSockDiag, type SockDiag, socketsOfDump } from '../inventory/sock-diag.js';
import { readFailure } from '../io/bounded-read.js';
import type { InventoryWarning, Socket } from '../model.js';

/** What one read of the tables found. */
export interface ListeningRead {
  /** TCP LISTEN and bound, unconnected UDP sockets, without owners. */
  sockets: Socket[];
  warnings: InventoryWarning[];
  /** How many of the four tables could be read. */
  tablesRead: number;
  /** False when every table read the same bytes as last time (the sockets are the same objects). */
  changed: boolean;
}

/** How the tables are read: netlink sock_diag, or /proc/net text and why not netlink. */
export type TableSource = { kind: 'sock-diag' } | { kind: 'proc'; reason: string };

/** Options of ListenerTables. */
export interface ListenerTablesOptions {
  /** Use netlink when the tables are this process's own (default); false reads /proc/net always. */
  sockDiag?: boolean;
  /** Path of the sock_diag addon; tests point it elsewhere to exercise the fallback. */
  sockDiagAddonPath?: string;
}

// statfs(2): f_type of procfs.
const PROC_SUPER_MAGIC = 0x9fa0;
const NETLINK_SOURCE = 'netlink sock_diag';

/** Why `netDir` is not this process's own /proc/net (netlink would answer for another table), or null. */
function notOwnNetDir(netDir: string): string | null {
  try {
    // A doctored copy mounted over /proc/<pid>/net must be read as such, not bypassed.
    if (statfsSync(netDir).type !== PROC_SUPER_MAGIC) return `${netDir} is not procfs`;
    // /proc/net is a link to self/net: its realpath is /proc/<pid>/net, beside /proc/<pid>/ns/net.
    const namespace = statSync(`${dirname(realpathSync(netDir))}/ns/net`);
    const own = statSync('/proc/self/ns/net');
    if (namespace.ino !== own.ino || namespace.dev !== own.dev) {
      return `${netDir} shows another network namespace`;
    }
    return null;
  } catch (error) {
    return `${netDir}: ${readFailure(error)}`;
  }
}

/** Reads the listening sockets of one network namespace, remembering each table's bytes. */
export class ListenerTables {
  readonly #netDir: string;
  readonly #lastText = new Map<string, { text: string; sockets: Socket[] }>();
  readonly #lastDump = new Map<ProcNetTable, { records: Buffer; sockets: Socket[] }>();
  #sockDiag: SockDiag | null = null;
  #source: TableSource;
  #tablesRead = -1;

  /** `netDir`: a procfs `net/` directory (`/proc/net`, or `/proc/<pid>/net` for that process's namespace). */
  constructor(netDir: string, options: ListenerTablesOptions = {}) {
    this.#netDir = netDir;
    const notOwn = options.sockDiag === false ? 'netlink not wanted' : notOwnNetDir(netDir);
    const loaded = notOwn === null ? loadSockDiag(options.sockDiagAddonPath) : null;
    if (loaded?.ok) {
      this.#sockDiag = loaded.sockDiag;
      this.#source = { kind: 'sock-diag' };
    } else {
      this.#source = { kind: 'proc', reason: notOwn ?? `netlink sock_diag unavailable (${loaded?.reason})` };
    }
  }

  /** How the tables are read now. */
  get source(): TableSource {
    return this.#source;
  }

  /** Reads the four tables (tcp, tcp6, udp, udp6); an unreadable one is a warning. */
  read(): ListeningRead {
    if (this.#sockDiag !== null) {
      const read = this.#readSockDiag(this.#sockDiag);
      if (read !== null) return read;
    }
    return this.#readProc([]);
  }

  #readSockDiag(sockDiag: SockDiag): ListeningRead | null {
    const sockets: Socket[] = [];
    let changed = this.#lastDump.size === 0;
    for (const table of PROC_NET_TABLES) {
      const dump = sockDiag.dumpListening(table);
      if (!dump.ok) {
        const reason = `${dump.message}; reading /proc/net instead`;
        this.#sockDiag = null;
        this.#source = { kind: 'proc', reason: `${NETLINK_SOURCE} failed: ${reason}` };
        this.#lastDump.clear();
        // Said once, on this read: every later read is /proc's.
        return this.#readProc([{ source: NETLINK_SOURCE, message: `failed: ${reason}` }]);
      }
      const last = this.#lastDump.get(table);
      if (last?.records.equals(dump.records)) {
        for (const socket of last.sockets) sockets.push(socket);
        continue;
      }
      changed = true;
      const parsed = socketsOfDump(dump.records, table);
      this.#lastDump.set(table, { records: dump.records, sockets: parsed });
      for (const socket of parsed) sockets.push(socket);
    }
    if (this.#tablesRead !== PROC_NET_TABLES.length) changed = true;
    this.#tablesRead = PROC_NET_TABLES.length;
    return { sockets, warnings: [], tablesRead: PROC_NET_TABLES.length, changed };
  }

  #readProc(warnings: InventoryWarning[]): ListeningRead {
    const sockets: Socket[] = [];
    let tablesRead = 0;
    let changed = this.#lastText.size === 0;
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
      const last = this.#lastText.get(path);
      if (last !== undefined && last.text === text) {
        for (const socket of last.sockets) sockets.push(socket);
        continue;
      }
      changed = true;
      const parsed = parseProcNet(text, table, path, { listeningOnly: true });
      for (const warning of parsed.warnings) warnings.push(warning);
      this.#lastText.set(path, { text, sockets: parsed.sockets });
      for (const socket of parsed.sockets) sockets.push(socket);
    }
    // A table that could not be read this time (or again) counts as a change.
    if (tablesRead !== this.#tablesRead) changed = true;
    this.#tablesRead = tablesRead;
    return { sockets, warnings, tablesRead, changed };
  }
}
