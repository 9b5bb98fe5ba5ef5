// The network side of the contract: what a scan saw at each address (`earshot scan --json`), and
// the portmapper's registrations. Types only.

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
