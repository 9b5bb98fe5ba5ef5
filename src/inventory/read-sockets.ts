// The host-side witness: every socket in the kernel's tables with every process that holds it.
import { readlinkSync } from 'node:fs';
import { EarshotError, errnoCode } from '../errors.js';
import { describeReadError, inputFileError, readFailure } from '../io/bounded-read.js';
import type { AddressFamily, Inventory, InventoryWarning, Protocol, Socket } from '../model.js';
import { parseCgroup } from './cgroup.js';
import { PROC_NET_TABLES, parseProcNet } from './proc-net.js';
import { listPids, readPasswd, readProcFileOrNull, scanSocketOwners } from './proc-owners.js';
import { readTableText, readTcpListeningPrefix } from './proc-table-read.js';

/** Options of readSockets. */
export interface ReadSocketsOptions {
  /** Where procfs is mounted; `/host/proc` in a container. Default `/proc`. */
  procRoot?: string;
  /** The user database for uid → name. Default `/etc/passwd`. */
  passwdPath?: string;
  /** Read every network namespace on the host, not only our own. */
  allNetns?: boolean;
  /** Default both. */
  protocols?: Protocol[];
  /** Default both. */
  families?: AddressFamily[];
  /** Only TCP LISTEN and bound, unconnected UDP (what `ss -l` lists). */
  listeningOnly?: boolean;
  signal?: AbortSignal;
}

/** The owner status of a socket no process was seen holding while some fd tables were unreadable. */
export const OWNER_UNKNOWN_MESSAGE = 'owner unknown: run as root';

// The folder read as procfs; its problems name the option that sets it.
const PROC_ROOT = {
  what: 'procfs folder',
  maxBytes: 0,
  code: 'ERR_PROC_READ',
  missingHint: () => 'give --proc-root the folder where procfs is mounted',
} as const;

/** One network namespace whose tables we read, through `dir` (a `net/` directory). */
interface NamespaceSource {
  netns: string | null;
  dirs: string[];
  container: string | null;
}

function namespaceInode(link: string | null): string | null {
  return link === null ? null : (/^net:\[(\d+)\]$/.exec(link)?.[1] ?? null);
}

function readNetnsLink(path: string): { netns: string | null; denied: boolean } {
  try {
    return { netns: namespaceInode(readlinkSync(path)), denied: false };
  } catch (error) {
    const code = errnoCode(error);
    return { netns: null, denied: code === 'EACCES' || code === 'EPERM' };
  }
}

function cgroupContainer(procRoot: string, who: string): string | null {
  const text = readProcFileOrNull(`${procRoot}/${who}/cgroup`);
  return text === null ? null : parseCgroup(text).container;
}

// One `net/` directory per distinct namespace: /proc/<pid>/net shows that process's namespace, so
// no setns is needed. A few pids per namespace, in case the first exits before we read it.
function findNamespaces(
  procRoot: string,
  pids: readonly number[],
  allNetns: boolean,
): { sources: NamespaceSource[]; deniedPids: number } {
  const own = readNetnsLink(`${procRoot}/self/ns/net`).netns;
  const ownSource: NamespaceSource = {
    netns: own,
    dirs: [`${procRoot}/net`],
    container: cgroupContainer(procRoot, 'self'),
  };
  if (!allNetns) return { sources: [ownSource], deniedPids: 0 };
  const byNetns = new Map<string, NamespaceSource>();
  if (own !== null) byNetns.set(own, ownSource);
  let deniedPids = 0;
  for (const pid of pids) {
    const { netns, denied } = readNetnsLink(`${procRoot}/${pid}/ns/net`);
    if (denied) deniedPids++;
    if (netns === null) continue;
    const source = byNetns.get(netns);
    if (source === undefined) {
      const container = cgroupContainer(procRoot, String(pid));
      byNetns.set(netns, { netns, dirs: [`${procRoot}/${pid}/net`], container });
    } else if (source.dirs.length < 3) source.dirs.push(`${procRoot}/${pid}/net`);
  }
  return { sources: own === null ? [ownSource] : [...byNetns.values()], deniedPids };
}

function readTable(
  dirs: readonly string[],
  file: string,
  read: (path: string) => string,
): { text: string; source: string } | { error: unknown } {
  let lastError: unknown;
  for (const dir of dirs) {
    try {
      return { text: read(`${dir}/${file}`), source: `${dir}/${file}` };
    } catch (error) {
      lastError = error;
    }
  }
  return { error: lastError };
}

const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareSockets(a: Socket, b: Socket): number {
  return (
    order(a.netns ?? '', b.netns ?? '') ||
    order(a.protocol, b.protocol) ||
    a.localPort - b.localPort ||
    order(a.family, b.family) ||
    order(a.localAddress, b.localAddress) ||
    order(a.remoteAddress, b.remoteAddress) ||
    a.remotePort - b.remotePort
  );
}

/**
 * Reads the kernel's TCP and UDP socket tables from procfs and finds every process holding each
 * socket. Never runs ss/netstat/lsof. Throws ERR_PROC_READ only when procfs cannot be read at all.
 */
export async function readSockets(options: ReadSocketsOptions = {}): Promise<Inventory> {
  const procRoot = (options.procRoot ?? '/proc').replace(/\/+$/, '') || '/';
  const protocols = options.protocols ?? ['tcp', 'udp'];
  const families = options.families ?? ['ipv4', 'ipv6'];
  const { signal } = options;
  signal?.throwIfAborted();
  let pids: number[];
  try {
    pids = listPids(procRoot);
  } catch (error) {
    const problem =
      errnoCode(error) === 'ENOTDIR'
        ? 'it is not a folder'
        : describeReadError(PROC_ROOT, procRoot, error).replace(/;.*$/, '');
    throw inputFileError(PROC_ROOT, procRoot, `${problem}; ${PROC_ROOT.missingHint()}`, error);
  }
  // A user database named by the caller must be readable; it is checked before the long walk.
  const users = readPasswd(options.passwdPath ?? '/etc/passwd', {
    optional: options.passwdPath === undefined,
  });
  const warnings: InventoryWarning[] = [];
  const { sources, deniedPids: deniedNamespaces } = findNamespaces(procRoot, pids, options.allNetns ?? false);
  let sockets: Socket[] = [];
  let tablesRead = 0;
  for (const source of sources) {
    for (const table of PROC_NET_TABLES) {
      if (!protocols.includes(table.protocol) || !families.includes(table.family)) continue;
      // Listeners only: a TCP table's LISTEN lines all come first (see proc-table-read.ts).
      const listenersFirst = options.listeningOnly && table.protocol === 'tcp';
      const read = listenersFirst ? (path: string) => readTcpListeningPrefix(path) : readTableText;
      const result = readTable(source.dirs, table.file, read);
      if ('error' in result) {
        // tcp6/udp6 are absent when IPv6 is disabled; a namespace may vanish while we read it.
        warnings.push({
          source: `${source.dirs[0]}/${table.file}`,
          message: `not read: ${readFailure(result.error)}`,
        });
        continue;
      }
      tablesRead++;
      const parsed = parseProcNet(result.text, table, result.source, {
        netns: source.netns,
        listeningOnly: options.listeningOnly ?? false,
      });
      for (const warning of parsed.warnings) warnings.push(warning);
      for (const socket of parsed.sockets) {
        if (options.allNetns) socket.container = source.container;
        sockets.push(socket);
      }
    }
  }
  if (tablesRead === 0 && warnings.length > 0) {
    throw new EarshotError(
      'ERR_PROC_READ',
      `No socket table could be read under "${procRoot}/net" (${warnings[0]!.message}): give --proc-root a procfs mount or a copy holding net/tcp, net/tcp6, net/udp and net/udp6.`,
    );
  }
  signal?.throwIfAborted();
  const inodes = new Set<number>();
  for (const socket of sockets) if (socket.inode !== 0) inodes.add(socket.inode);
  const scan = scanSocketOwners({
    procRoot,
    users,
    pids,
    inodes,
    ...(signal ? { signal } : {}),
  });
  for (const warning of scan.warnings) warnings.push(warning);
  const blind = scan.deniedPids.length > 0;
  // Under hidepid=1/2 another user's processes are not even listed, so no EACCES reveals them:
  // as non-root, an ownerless socket of another uid may have an owner we cannot see.
  const euid = process.geteuid?.() ?? 0;
  if (blind) {
    warnings.push({
      source: procRoot,
      message: `${scan.deniedPids.length} ${scan.deniedPids.length === 1 ? "process's" : "processes'"} file descriptors could not be read (EACCES); sockets only they hold show "${OWNER_UNKNOWN_MESSAGE}".`,
    });
  }
  if (deniedNamespaces > 0) {
    warnings.push({
      source: procRoot,
      message: `${deniedNamespaces} processes' network namespaces could not be read (EACCES); namespaces only they use are missing.`,
    });
  }
  let unknown = 0;
  for (const socket of sockets) {
    socket.user = users.get(socket.uid) ?? null;
    const owners = scan.owners.get(socket.inode);
    if (owners) {
      socket.owners = owners;
      socket.ownerStatus = { kind: 'known' };
    } else if (socket.inode !== 0 && (blind || (euid !== 0 && socket.uid !== euid))) {
      socket.ownerStatus = { kind: 'unknown', reason: 'EACCES', message: OWNER_UNKNOWN_MESSAGE };
      unknown++;
    }
  }
  sockets = sockets.sort(compareSockets);
  return { sockets, warnings, complete: !blind && deniedNamespaces === 0 && unknown === 0 };
}
