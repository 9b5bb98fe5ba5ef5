// The host side of the contract: the kernel's sockets and the processes holding them
// (`earshot local --json`), and netfilter's connection tracking. Types only.
import type { AddressFamily, Protocol } from './network.js';

/** Kernel TCP states by their kernel names, plus `UNCONN` for unconnected UDP (as `ss` says). */
export type SocketState =
  | 'ESTABLISHED'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'TIME_WAIT'
  | 'CLOSE'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'LISTEN'
  | 'CLOSING'
  | 'NEW_SYN_RECV'
  | 'UNCONN'
  | 'UNKNOWN';

/** A process holding a socket's file descriptor. One socket can have many owners. */
export interface Owner {
  pid: number;
  ppid: number | null;
  /** `comm` of the process (at most 15 bytes, as the kernel keeps it). */
  name: string;
  cmdline: string[];
  /** Target of /proc/<pid>/exe with any " (deleted)" suffix removed; null when unreadable. */
  exe: string | null;
  exeDeleted: boolean;
  uid: number | null;
  user: string | null;
  /** ISO 8601 start time, from /proc/<pid>/stat field 22 and the boot time. */
  startTime: string | null;
  /** systemd unit from /proc/<pid>/cgroup, when it names one. */
  unit: string | null;
  /** Container id from /proc/<pid>/cgroup, when it names one. */
  container: string | null;
}

/** Whether we could see who holds a socket, and if not, why. */
export type OwnerStatus =
  | { kind: 'known' }
  | { kind: 'unknown'; reason: 'EACCES'; message: string }
  | { kind: 'none'; message: string };

/** One kernel socket table entry with the processes that hold it. */
export interface Socket {
  protocol: Protocol;
  family: AddressFamily;
  state: SocketState;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  sendQueue: number;
  receiveQueue: number;
  inode: number;
  uid: number;
  /** The socket's uid mapped through /etc/passwd (visible even when its owners are not). */
  user?: string | null;
  /** Network namespace inode (`net:[4026531840]` → "4026531840"), or null when unknown. */
  netns: string | null;
  /** With --all-netns: the container whose network namespace this is, when its cgroup names one. */
  container?: string | null;
  owners: Owner[];
  ownerStatus: OwnerStatus;
}

/** A problem met while reading /proc that did not stop the read (a malformed line, a vanished pid). */
export interface InventoryWarning {
  source: string;
  line?: number;
  message: string;
}

/** The host side: every socket the kernel lists, and what could not be read. */
export interface Inventory {
  sockets: Socket[];
  warnings: InventoryWarning[];
  /** True when we could read every process's fds (root, or only our own processes exist). */
  complete: boolean;
}

/** The whole result of `earshot local --json`: the inventory with a header. */
export interface LocalReport extends Inventory {
  tool: 'earshot';
  version: string;
  kind: 'local';
}

/** A connection tracked by netfilter: the original tuple and the reply tuple (NAT shows in their mismatch). */
export interface ConntrackEntry {
  protocol: Protocol;
  family: AddressFamily;
  original: { source: string; sourcePort: number; destination: string; destinationPort: number };
  reply: { source: string; sourcePort: number; destination: string; destinationPort: number };
}
