// Shared types only. These are earshot's JSON contract: a change here is a change to the
// documented schema (README "JSON output"). This module imports nothing.

/** Transport protocol of an endpoint. */
export type Protocol = 'tcp' | 'udp';

/** Address family, named the way the JSON contract spells it. */
export type AddressFamily = 'ipv4' | 'ipv6';

/** The network's view of a port, with nmap's meanings. */
export type PortState = 'open' | 'closed' | 'filtered' | 'open|filtered';

/**
 * Why a port got its state; nmap's reason names where nmap has one.
 * `syn-ack`: the connect completed. `conn-refused`: a RST (or ICMP port-unreachable) refused it.
 * `no-response`: nothing came back within the retries. `host-unreach`, `net-unreach`,
 * `admin-prohibited`: an ICMP error said the packet was not delivered. `udp-response`: a datagram
 * answered. `port-unreach`: ICMP port-unreachable for a UDP probe.
 */
export type PortReason =
  | 'syn-ack'
  | 'conn-refused'
  | 'no-response'
  | 'host-unreach'
  | 'net-unreach'
  | 'admin-prohibited'
  | 'udp-response'
  | 'port-unreach';

/** Where a service name came from. */
export type ServiceSource = 'etc-services' | 'iana' | 'rpc' | 'probed';

/** What answers on a port: a catalog name, or (later) what probing found. */
export interface Service {
  name: string;
  source: ServiceSource;
  /** Free-text description from the catalog, when it has one. */
  description?: string;
  product?: string;
  version?: string;
  extraInfo?: string;
  tunnel?: 'ssl';
  /** 0..10, nmap's scale, for probed services. */
  confidence?: number;
  /** What the TLS handshake showed, when the service was found inside TLS (`tunnel: 'ssl'`). */
  tls?: TlsInfo;
}

/** The TLS handshake of a probed port: protocol version, ALPN and the server certificate. */
export interface TlsInfo {
  /** `TLSv1.3`, `TLSv1.2`, ... */
  protocol: string;
  /** The ALPN protocol the server chose (`h2`, `http/1.1`), or null. */
  alpn: string | null;
  /** Certificate subject and issuer as `CN=..., O=...`. */
  subject: string;
  issuer: string;
  /** ISO 8601 validity bounds of the certificate. */
  validFrom: string;
  validTo: string;
  selfSigned: boolean;
}

/** An operating system a banner named, and where (`22/tcp ssh`). */
export interface OsHint {
  hint: string;
  source: string;
}

/** One scanned port of one host. */
export interface PortResult {
  protocol: Protocol;
  port: number;
  state: PortState;
  reason: PortReason;
  service: Service | null;
}

/** Ports not listed one by one, counted by state (nmap's `extraports`). */
export interface ExtraPorts {
  state: PortState;
  count: number;
  /** How many of them had each reason. */
  reasons: Partial<Record<PortReason, number>>;
}

/** Whether a host answered discovery; `up` with reason `user-set` under -Pn. */
export type HostStatus = 'up' | 'down';

/** Why a host was judged up or down. */
export type HostStatusReason =
  | 'syn-ack'
  | 'conn-refused'
  | 'no-response'
  | 'user-set'
  | 'localhost-response'
  | 'host-unreach'
  | 'net-unreach';

/** Everything the network side learned about one address. */
export interface HostResult {
  address: string;
  family: AddressFamily;
  /** The names the user gave that resolved to this address, in the order given. */
  hostnames: string[];
  status: HostStatus;
  statusReason: HostStatusReason;
  /** Every port that is open or not in the most common other state (all ports with `--all-ports`), by port. */
  ports: PortResult[];
  extraPorts: ExtraPorts[];
  /** ISO 8601 times the scan of this host started and ended. */
  startedAt: string;
  endedAt: string;
  /** Smoothed round-trip time of the host's answers in ms, when any were timed. */
  latencyMs?: number;
  /** True when --host-timeout stopped the host: its ports are only partly known. */
  timedOut?: boolean;
  /** Operating systems named by service banners (-sV), one entry per hint and port. */
  osHints?: OsHint[];
}

/** The kind of scan that produced a report. */
export type ScanType = 'connect' | 'udp';

/** Totals of a scan run. */
export interface ScanStats {
  startedAt: string;
  endedAt: string;
  elapsedMs: number;
  addressesScanned: number;
  hostsUp: number;
  hostsDown: number;
  /** True when the run was interrupted (SIGINT, host timeout of the whole run): results are partial. */
  interrupted: boolean;
}

/** The whole result of `earshot scan`. */
export interface ScanReport {
  tool: 'earshot';
  version: string;
  kind: 'scan';
  /** The command line as given, for the record (nmap's `args`). */
  args: string[];
  scanInfo: { type: ScanType; protocol: Protocol; portCount: number; portSpec: string }[];
  hosts: HostResult[];
  stats: ScanStats;
}

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
  /** Network namespace inode (`net:[4026531840]` → "4026531840"), or null when unknown. */
  netns: string | null;
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

/** An ONC RPC program registered with the portmapper. */
export interface RpcRegistration {
  program: number;
  version: number;
  protocol: Protocol;
  port: number;
  /** The universal address (rpcbind v3/v4), when the answer had one. */
  address: string | null;
  /** Name from /etc/rpc (e.g. "ypbind"), when it names the program. */
  name: string | null;
}
