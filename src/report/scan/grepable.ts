// nmap's grepable output (-oG) for a scan report: one line per host, fields separated by tabs, for
// grep, awk and cut.
import type { HostResult, PortResult, ScanReport, ScanStats, VerifyReport } from '../../model.js';
import { escapeForTerminal } from '../terminal-escape.js';
import { formatOwnerGroups, portsSeenAt } from '../verify/verify-hosts.js';
import { addressSummary, ctimeString, elapsedSeconds } from './nmap-time.js';
import { formatArgs } from './nmap-xml.js';

// Tabs and newlines separate fields and hosts, "/" separates port subfields and ", " ports: none of
// them may appear inside a value. nmap writes "|" for "/" the same way.
function field(text: string): string {
  return escapeForTerminal(text).replace(/\//g, '|').replace(/,/g, '\\x2c');
}

function hostPrefix(host: HostResult): string {
  return `Host: ${field(host.address)} (${field(host.hostnames[0] ?? '')})`;
}

function portEntry(port: PortResult, owner = ''): string {
  const service = port.service;
  const version = [
    service?.product,
    service?.version,
    service?.extraInfo ? `(${service.extraInfo})` : undefined,
  ]
    .filter((part): part is string => Boolean(part))
    .join(' ');
  const name = service ? `${service.tunnel ? `${service.tunnel}|` : ''}${field(service.name)}` : '';
  // port/state/protocol/owner/service/rpc info/version/
  return `${port.port}/${port.state}/${port.protocol}/${field(owner)}/${name}//${field(version)}/`;
}

/** The grepable lines of one host (a Status line, and a Ports line when it is up). */
export function renderGrepableHost(host: HostResult): string {
  const prefix = hostPrefix(host);
  let out = `${prefix}\tStatus: ${host.status === 'up' ? 'Up' : 'Down'}\n`;
  if (host.status !== 'up') return out;
  const ignored = [...host.extraPorts]
    .sort((a, b) => b.count - a.count)
    .map((extra) => `\tIgnored State: ${extra.state} (${extra.count})`)
    .join('');
  out += `${prefix}\tPorts: ${host.ports.map((port) => portEntry(port)).join(', ')}${ignored}\n`;
  return out;
}

/** The first line of a scan's grepable output: version, start time and command line. */
export function renderScanGrepableHeader(report: Pick<ScanReport, 'version' | 'args' | 'stats'>): string {
  return `# earshot ${escapeForTerminal(report.version)} scan initiated ${ctimeString(report.stats.startedAt)} as: ${escapeForTerminal(formatArgs(report.args))}\n`;
}

/** The last line of a scan's grepable output: addresses, hosts up, elapsed time. */
export function renderScanGrepableFooter(stats: ScanStats): string {
  const end = stats.interrupted
    ? `# earshot interrupted at ${ctimeString(stats.endedAt)} -- results are partial: `
    : `# earshot done at ${ctimeString(stats.endedAt)} -- `;
  return `${end}${addressSummary(stats.addressesScanned, stats.hostsUp)} scanned in ${elapsedSeconds(stats.elapsedMs)} seconds\n`;
}

/** The whole scan report in nmap's grepable format (the header, each host, the footer). */
export function renderScanGrepable(report: ScanReport): string {
  return (
    renderScanGrepableHeader(report) +
    report.hosts.map(renderGrepableHost).join('') +
    renderScanGrepableFooter(report.stats)
  );
}

/** A verify report in grepable form: per scanned address, the ports it showed, owners in nmap's owner field. */
export function renderVerifyGrepable(report: VerifyReport): string {
  const { stats } = report;
  const lines = [
    `# earshot ${escapeForTerminal(report.version)} verify initiated ${ctimeString(stats.startedAt)} as: ${escapeForTerminal(formatArgs(report.args))}\n`,
  ];
  for (const address of report.scanned.addresses) {
    const seen = portsSeenAt(report, address).sort((a, b) => a.result.port - b.result.port);
    const prefix = `Host: ${field(address)} ()`;
    lines.push(`${prefix}\tStatus: Up\n`);
    const entries = seen.map(({ result, row }) => portEntry(result, formatOwnerGroups(row.owners)));
    lines.push(`${prefix}\tPorts: ${entries.join(', ')}\n`);
  }
  lines.push(
    `# earshot done at ${ctimeString(stats.endedAt)} -- ${report.scanned.addresses.length} address${report.scanned.addresses.length === 1 ? '' : 'es'} verified in ${elapsedSeconds(stats.elapsedMs)} seconds\n`,
  );
  return lines.join('');
}
