// The human report of `earshot scan`, shaped like nmap's normal output so the guide's readers find
// their way: a header, one block per host (printed as each finishes), and a summary line.
import { createColors } from 'picocolors';
import type { HostResult, PortResult, ScanReport, ScanStats, Service } from '../../model.js';
import { layoutColumns } from '../table.js';
import { escapeForTerminal } from '../terminal-escape.js';

/** How to render: colour (only on a TTY) and the REASON column (--reason). */
export interface ScanTextOptions {
  color?: boolean;
  showReason?: boolean;
  /** Add nmap's VERSION column and the "Service Info" line (-sV). */
  showVersion?: boolean;
}

/** The first line: tool, version and start time. */
export function renderScanHeader(report: Pick<ScanReport, 'version' | 'stats'>): string {
  const started = report.stats.startedAt.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
  return `Starting earshot ${report.version} at ${started}\n`;
}

const hostLabel = (host: HostResult): string => {
  const address = escapeForTerminal(host.address);
  return host.hostnames.length > 0 ? `${escapeForTerminal(host.hostnames[0]!)} (${address})` : address;
};

// Made once: createColors builds a function per colour, and a /16 renders 65,536 hosts.
const COLORS = { on: createColors(true), off: createColors(false) };

const formatSeconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10 ? 5 : 3)}s`;

/** One host's block: status, folded ports, and the PORT STATE SERVICE table. */
export function renderHostText(host: HostResult, options: ScanTextOptions = {}): string {
  const c = options.color ? COLORS.on : COLORS.off;
  if (host.status === 'down') {
    return `earshot scan report for ${hostLabel(host)}\nHost seems down (${host.statusReason}).\n\n`;
  }
  const lines = [`earshot scan report for ${hostLabel(host)}`];
  const latency = host.latencyMs !== undefined ? ` (${formatSeconds(host.latencyMs)} latency)` : '';
  lines.push(`Host is up, received ${host.statusReason}${latency}.`);
  if (host.hostnames.length > 1) {
    lines.push(
      `Other names for ${escapeForTerminal(host.address)}: ${host.hostnames
        .slice(1)
        .map((n) => escapeForTerminal(n))
        .join(' ')}`,
    );
  }
  if (host.timedOut)
    lines.push(c.yellow('Skipped the rest: --host-timeout expired; ports not shown were not concluded.'));
  // nmap (7.93) words a host with nothing to list this way, before its "Not shown" line.
  if (host.ports.length === 0 && host.extraPorts.length === 1) {
    lines.push(`All ${host.extraPorts[0]!.count} scanned ports on ${hostLabel(host)} are in ignored states.`);
  }
  for (const extra of host.extraPorts) {
    const reasons = Object.entries(extra.reasons)
      .map(([reason, count]) => (Object.keys(extra.reasons).length > 1 ? `${count} ${reason}` : reason))
      .join(', ');
    lines.push(
      `Not shown: ${extra.count} ${extra.state} ${extra.protocol ?? 'tcp'} ports${reasons ? ` (${reasons})` : ''}`,
    );
  }
  if (host.ports.length === 0) {
    return `${[...lines, ...osLines(host)].join('\n')}\n\n`;
  }
  const rows = host.ports.map((port) => [
    `${port.port}/${port.protocol}`,
    port.state,
    port.service ? escapeForTerminal(serviceLabel(port.service)) : 'unknown',
    ...(options.showReason ? [port.reason] : []),
    ...(options.showVersion ? [escapeForTerminal(versionText(port.service))] : []),
  ]);
  const headings = [
    'PORT',
    'STATE',
    'SERVICE',
    ...(options.showReason ? ['REASON'] : []),
    ...(options.showVersion ? ['VERSION'] : []),
  ];
  const [heading, ...table] = layoutColumns([headings, ...rows]);
  lines.push(heading!);
  host.ports.forEach((port, i) => {
    lines.push(colourState(table[i]!, port, c));
  });
  if (options.showVersion && host.osHints && host.osHints.length > 0) {
    const names = [...new Set(host.osHints.map((hint) => escapeForTerminal(hint.hint)))];
    lines.push(`Service Info: OS: ${names.join(', ')}`);
  }
  return `${[...lines, ...osLines(host)].join('\n')}\n\n`;
}

/** The OS guess as nmap words it ("Remote OS guesses: ..."), its evidence, and what was missing. */
function osLines(host: HostResult): string[] {
  const os = host.os;
  if (!os) return [];
  const lines: string[] = [];
  if (os.matches.length > 0) {
    const guesses = os.matches.map((m) => `${escapeForTerminal(m.name)} (${m.confidence}%)`).join(', ');
    lines.push(`Remote OS guesses: ${guesses}`);
  }
  for (const evidence of os.evidence) lines.push(`OS evidence: ${escapeForTerminal(evidence)}`);
  if (os.note) lines.push(`OS guess: ${escapeForTerminal(os.note)}`);
  return lines;
}

// nmap writes a service found inside TLS as "ssl/http".
const serviceLabel = (service: Service): string =>
  service.tunnel === 'ssl' && service.name !== 'ssl' ? `ssl/${service.name}` : service.name;

/** nmap's VERSION text: product, version, then extra information in parentheses. */
export function versionText(service: Service | null): string {
  if (service?.source !== 'probed') return '';
  const extra = service.extraInfo ? `(${service.extraInfo})` : '';
  return [service.product, service.version, extra].filter(Boolean).join(' ');
}

function colourState(line: string, port: PortResult, c: ReturnType<typeof createColors>): string {
  if (port.state === 'open') return c.green(line);
  if (port.state === 'closed') return c.dim(line);
  return c.yellow(line);
}

/** The last line: addresses, hosts up, elapsed time; says so when the run was interrupted. */
export function renderScanFooter(stats: ScanStats): string {
  const addresses = `${stats.addressesScanned} IP address${stats.addressesScanned === 1 ? '' : 'es'}`;
  const hosts = `${stats.hostsUp} host${stats.hostsUp === 1 ? '' : 's'} up`;
  const interrupted = stats.interrupted ? ' (interrupted: results are partial)' : '';
  return `earshot done: ${addresses} (${hosts}) scanned in ${(stats.elapsedMs / 1000).toFixed(2)} seconds${interrupted}\n`;
}

/** The whole report as text (what -o FILE writes for the human format). */
export function renderScanText(report: ScanReport, options: ScanTextOptions = {}): string {
  return [
    renderScanHeader(report),
    ...report.hosts.map((host) => renderHostText(host, options)),
    renderScanFooter(report.stats),
  ].join('');
}
