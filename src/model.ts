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
  /** The protocol of these ports when not TCP (a UDP scan); absent means TCP. */
  protocol?: Protocol;
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
  /** The OS guess (-O), when asked for. */
  os?: OsGuess;
}

/** One operating system the host may run, with how well the evidence fits it. */
export interface OsMatch {
  name: string;
  family: string;
  /** 0..100: the share of the evidence's weight this system's signature matches. */
  confidence: number;
}

/** The OS guess of one host: best matches first, the evidence in words, and what was missing. */
export interface OsGuess {
  matches: OsMatch[];
  evidence: string[];
  /** E.g. "raw sockets unavailable (...)", "not enough evidence". */
  note?: string;
}

/** The kind of scan that produced a report. */
export type ScanType = 'connect' | 'udp' | 'syn';

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
  /** Address family of the registration (portmap v2 lists IPv4 only; rpcbind tcp6/udp6 are IPv6). */
  family?: AddressFamily;
}

/** How much a finding matters; verify's exit status follows the highest. */
export type Severity = 'critical' | 'warning' | 'notice' | 'info';

/** The fixed vocabulary of verify findings (README "Findings"). */
export type FindingKind =
  | 'hidden-listener'
  | 'hidden-bound-port'
  | 'forwarded-port'
  | 'unregistered-reserved-port'
  | 'unknown-service'
  | 'suspicious-owner'
  | 'owner-unknown'
  | 'local-only'
  | 'not-in-baseline'
  | 'missing-from-baseline';

/** The independent sources verify consults. */
export type Witness = 'network' | 'kernel' | 'bind' | 'rpc' | 'catalog' | 'conntrack' | 'baseline';

/** One fact a witness contributed to a verdict. */
export interface Evidence {
  witness: Witness;
  detail: string;
}

/** A verdict about an endpoint, with what was seen and what to do next. */
export interface Finding {
  kind: FindingKind;
  severity: Severity;
  protocol: Protocol;
  port: number;
  /** The endpoint's address (listen address, or the scanned address for hidden ports). */
  address: string;
  message: string;
  /** What the user should do next. */
  advice: string;
  evidence: Evidence[];
}

/** A connection tracked by netfilter: the original tuple and the reply tuple (NAT shows in their mismatch). */
export interface ConntrackEntry {
  protocol: Protocol;
  family: AddressFamily;
  original: { source: string; sourcePort: number; destination: string; destinationPort: number };
  reply: { source: string; sourcePort: number; destination: string; destinationPort: number };
}

/** What one scanned address showed for a port. */
export interface NetworkObservation {
  address: string;
  state: PortState;
  reason: PortReason;
}

/** The overall reading of one port: `ok` or the severity of its worst finding. */
export type VerdictLevel = 'ok' | Severity;

/** One listening (or reachable, or bound) port of the verify report, with every witness's view. */
export interface VerifyPort {
  protocol: Protocol;
  port: number;
  /** Local address of the kernel socket, or the scanned address when no socket explains it. */
  address: string;
  family: AddressFamily;
  /** What the scan saw at each scanned address this endpoint answers for (empty: not scanned/reached). */
  network: NetworkObservation[];
  /** Whether the network witness probed this port at all (false: a port outside -p, or UDP not scanned). */
  networkScanned: boolean;
  /** True when a kernel socket table lists this endpoint as listening (TCP LISTEN, UDP bound). */
  inKernelTable: boolean;
  owners: Owner[];
  ownerStatus: OwnerStatus | null;
  service: Service | null;
  /** What service detection found answering there (verify probes ports the catalog does not explain). */
  detected: Service | null;
  rpc: RpcRegistration[];
  verdict: { level: VerdictLevel; summary: string; findings: FindingKind[] };
}

/** Whether a witness could testify, and what limited it. */
export interface WitnessStatus {
  witness: Witness;
  available: boolean;
  detail: string;
}

/** The whole result of `earshot verify`. */
export interface VerifyReport {
  tool: 'earshot';
  version: string;
  kind: 'verify';
  args: string[];
  host: { hostname: string; privileged: boolean };
  scanned: { addresses: string[]; protocols: Protocol[]; portCount: number; portSpec: string };
  witnesses: WitnessStatus[];
  ports: VerifyPort[];
  findings: Finding[];
  summary: Record<Severity, number>;
  stats: { startedAt: string; endedAt: string; elapsedMs: number; interrupted: boolean };
}
