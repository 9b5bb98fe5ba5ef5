// Compares two scan reports: hosts that came, went, or changed status, and ports opened, closed, or
// changed state or service. Pure: no I/O, no formatting.
import ipaddr from 'ipaddr.js';
import { xmlRepresentable } from '../report/xml-escape.js';
import type { ComparableHost, ComparablePort, ComparableReport } from './comparable.js';

/** How one port changed between the reports. */
export type PortChangeKind =
  /** It is open now and was not (or was not listed). */
  | 'opened'
  /** It was open and is not any more (or is no longer listed). */
  | 'closed'
  /** Another state change, e.g. closed → filtered. */
  | 'state'
  /** Same state, a different service name, product or version. */
  | 'service'
  /** Same state and service, different processes holding it (verify reports). */
  | 'owner'
  /** Only earshot's verdict changed (verify reports). */
  | 'verdict';

/** A port as one report saw it; null in a diff when that report does not list it. */
export interface PortView {
  state: string;
  service: ComparablePort['service'];
  owner?: string;
  verdict?: string;
}

/** One changed port. */
export interface PortDiff {
  protocol: string;
  port: number;
  change: PortChangeKind;
  before: PortView | null;
  after: PortView | null;
}

/** Ports not listed one by one, by state. */
export interface NotShownCount {
  state: string;
  count: number;
}

/** One host that changed; a side is null where that report does not have the host. */
export interface HostDiff {
  address: string;
  family: string;
  status: { before: string | null; after: string | null };
  hostnames: { before: string[] | null; after: string[] | null };
  notShown: { before: NotShownCount[]; after: NotShownCount[] };
  statusChanged: boolean;
  hostnamesChanged: boolean;
  notShownChanged: boolean;
  ports: PortDiff[];
}

/** What a report was, for the diff's header. */
export type ReportSummary = Omit<ComparableReport, 'hosts'>;

/** The differences between two reports. */
export interface ReportDiff {
  old: ReportSummary;
  new: ReportSummary;
  /** Only the hosts with at least one change, v4 before v6, in address order. */
  hosts: HostDiff[];
  /** How many differences there are (ndiff's "cost"); 0 means the scans agree. */
  changeCount: number;
}

function hostKey(address: string): string {
  return ipaddr.isValid(address) ? ipaddr.parse(address).toString() : address.toLowerCase();
}

function addressOrder(a: string, b: string): number {
  if (!ipaddr.isValid(a) || !ipaddr.isValid(b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = ipaddr.parse(a).toByteArray();
  const y = ipaddr.parse(b).toByteArray();
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

// JSON carries every character, XML only what xmlRepresentable leaves: compare on that form so the
// JSON and the XML of one report agree.
function same(a: string | undefined, b: string | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && xmlRepresentable(a) === xmlRepresentable(b));
}

function sameService(a: ComparablePort['service'], b: ComparablePort['service']): boolean {
  if (a === null || b === null) return a === b;
  return (
    same(a.name, b.name) &&
    same(a.product, b.product) &&
    same(a.version, b.version) &&
    same(a.extraInfo, b.extraInfo) &&
    same(a.tunnel, b.tunnel)
  );
}

function notShownOf(host: ComparableHost | undefined): NotShownCount[] {
  return (host?.extraPorts ?? [])
    .map(({ state, count }) => ({ state, count }))
    .sort((a, b) => (a.state < b.state ? -1 : a.state > b.state ? 1 : 0));
}

function classify(before: PortView | null, after: PortView | null): PortChangeKind | null {
  const was = before?.state ?? null;
  const is = after?.state ?? null;
  if (was === is) {
    if (!before || !after) return null;
    if (!sameService(before.service, after.service)) return 'service';
    if (!same(before.owner, after.owner)) return 'owner';
    return same(before.verdict, after.verdict) ? null : 'verdict';
  }
  if (is === 'open') return 'opened';
  if (was === 'open') return 'closed';
  return 'state';
}

function view(port: ComparablePort): PortView {
  const { state, service, owner, verdict } = port;
  return {
    state,
    service,
    ...(owner === undefined ? {} : { owner }),
    ...(verdict === undefined ? {} : { verdict }),
  };
}

function diffPorts(a: ComparableHost | undefined, b: ComparableHost | undefined): PortDiff[] {
  const key = (port: ComparablePort) => `${port.protocol}/${port.port}`;
  const before = new Map((a?.ports ?? []).map((port) => [key(port), port]));
  const after = new Map((b?.ports ?? []).map((port) => [key(port), port]));
  const hiddenA = new Set(a?.extraPorts.map((extra) => extra.state));
  const hiddenB = new Set(b?.extraPorts.map((extra) => extra.state));
  const diffs: PortDiff[] = [];
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const portA = before.get(id);
    const portB = after.get(id);
    // A port listed on one side only, in a state the other side counts among its unlisted ports, is
    // most likely unchanged (one scan listed closed ports, the other summed them up).
    if (a && b && portA && !portB && hiddenB.has(portA.state)) continue;
    if (a && b && portB && !portA && hiddenA.has(portB.state)) continue;
    const viewA = portA ? view(portA) : null;
    const viewB = portB ? view(portB) : null;
    const change = classify(viewA, viewB);
    const sample = (portA ?? portB)!;
    if (change)
      diffs.push({ protocol: sample.protocol, port: sample.port, change, before: viewA, after: viewB });
  }
  return diffs.sort((x, y) =>
    x.protocol === y.protocol ? x.port - y.port : x.protocol < y.protocol ? -1 : 1,
  );
}

function diffHost(a: ComparableHost | undefined, b: ComparableHost | undefined): HostDiff {
  const sample = (b ?? a)!;
  const namesA = a ? a.hostnames.map(xmlRepresentable).sort() : null;
  const namesB = b ? b.hostnames.map(xmlRepresentable).sort() : null;
  const notShown = { before: notShownOf(a), after: notShownOf(b) };
  return {
    address: sample.address,
    family: sample.family,
    status: { before: a?.status ?? null, after: b?.status ?? null },
    hostnames: { before: a ? a.hostnames : null, after: b ? b.hostnames : null },
    notShown,
    statusChanged: a?.status !== b?.status,
    hostnamesChanged: Boolean(a && b) && JSON.stringify(namesA) !== JSON.stringify(namesB),
    notShownChanged: JSON.stringify(notShown.before) !== JSON.stringify(notShown.after),
    ports: diffPorts(a, b),
  };
}

function summary(report: ComparableReport): ReportSummary {
  const { hosts: _hosts, ...rest } = report;
  return rest;
}

/** Compares `before` with `after`, matching hosts by IP address. */
export function diffReports(before: ComparableReport, after: ComparableReport): ReportDiff {
  const hostsA = new Map(before.hosts.map((host) => [hostKey(host.address), host]));
  const hostsB = new Map(after.hosts.map((host) => [hostKey(host.address), host]));
  const hosts: HostDiff[] = [];
  let changeCount = 0;
  for (const key of new Set([...hostsA.keys(), ...hostsB.keys()])) {
    const diff = diffHost(hostsA.get(key), hostsB.get(key));
    const cost =
      Number(diff.statusChanged) +
      Number(diff.hostnamesChanged) +
      Number(diff.notShownChanged) +
      diff.ports.length;
    if (cost > 0) hosts.push(diff);
    changeCount += cost;
  }
  hosts.sort((x, y) => addressOrder(x.address, y.address));
  return { old: summary(before), new: summary(after), hosts, changeCount };
}
