// `earshot diff` for people: ndiff's layout, "-" for the old report and "+" for the new one.
import type { HostDiff, NotShownCount, PortView, ReportDiff, ReportSummary } from '../compare/diff.js';
import { ctimeString } from './scan/nmap-time.js';
import { layoutColumns } from './table.js';
import { escapeForTerminal } from './terminal-escape.js';

function banner(report: ReportSummary): string {
  const scanner = report.scanner === 'nmap' && report.format === 'nmap-xml' ? 'Nmap' : report.scanner;
  const when = report.startedAt ? ` initiated ${ctimeString(report.startedAt)}` : '';
  return escapeForTerminal(`${scanner} ${report.version} scan${when} as: ${report.args}`);
}

function hostName(address: string, hostnames: string[] | null): string {
  const name =
    hostnames && hostnames.length > 0 ? `${[...hostnames].sort().join(', ')} (${address})` : address;
  return escapeForTerminal(name);
}

function notShown(counts: NotShownCount[]): string {
  return [...counts]
    .sort((a, b) => b.count - a.count)
    .map(({ state, count }) => `${count} ${escapeForTerminal(state)} ports`)
    .join(', ');
}

function portColumns(protocol: string, port: number, view: PortView): string[] {
  const service = view.service;
  const version = [
    service?.product,
    service?.version,
    service?.extraInfo ? `(${service.extraInfo})` : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  const name = service ? [service.tunnel, service.name].filter(Boolean).join('/') : '';
  return [`${port}/${protocol}`, view.state, name, version];
}

function table(rows: string[][]): string[] {
  // The first column is the one-character mark; ndiff puts no space after it.
  const lines = layoutColumns(rows.map(([, ...cells]) => cells));
  return rows.map(([mark], i) => `${mark}${lines[i]}`.trimEnd());
}

function renderHost(host: HostDiff): string[] {
  const lines: string[] = [];
  const { before, after } = host.status;
  if (host.hostnamesChanged || before === null || after === null) {
    if (before !== null) lines.push(`-${hostName(host.address, host.hostnames.before)}:`);
    if (after !== null) lines.push(`+${hostName(host.address, host.hostnames.after)}:`);
  } else {
    lines.push(` ${hostName(host.address, host.hostnames.after)}:`);
  }
  if (host.statusChanged) {
    if (before !== null) lines.push(`-Host is ${escapeForTerminal(before)}.`);
    if (after !== null) lines.push(`+Host is ${escapeForTerminal(after)}.`);
  }
  if (host.notShownChanged) {
    if (host.notShown.before.length > 0) lines.push(`-Not shown: ${notShown(host.notShown.before)}`);
    if (host.notShown.after.length > 0) lines.push(`+Not shown: ${notShown(host.notShown.after)}`);
  }
  if (host.ports.length > 0) {
    const headerMark = before === null ? '+' : after === null ? '-' : ' ';
    const rows = [[headerMark, 'PORT', 'STATE', 'SERVICE', 'VERSION']];
    const notes: Map<number, string[]> = new Map();
    for (const port of host.ports) {
      for (const [mark, side] of [
        ['-', port.before],
        ['+', port.after],
      ] as const) {
        if (!side) continue;
        rows.push([mark, ...portColumns(port.protocol, port.port, side)]);
        // Owners and verdicts follow their port the way ndiff prints script results.
        const extra = [
          side.owner && `owner: ${side.owner}`,
          side.verdict && `earshot-verdict: ${side.verdict}`,
        ];
        const found = extra.filter((line): line is string => Boolean(line));
        if (found.length > 0)
          notes.set(
            rows.length - 1,
            found.map((line) => `${mark}|  ${escapeForTerminal(line)}`),
          );
      }
    }
    const formatted = table(rows.map((row) => row.map((cell) => escapeForTerminal(cell))));
    formatted.forEach((line, index) => {
      lines.push(line);
      for (const note of notes.get(index) ?? []) lines.push(note);
    });
  }
  return lines;
}

/** The diff as ndiff-style text; empty when the reports agree. Every value is escaped for the terminal. */
export function renderDiffText(diff: ReportDiff): string {
  const lines: string[] = [];
  const a = banner(diff.old);
  const b = banner(diff.new);
  if (diff.changeCount === 0) return '';
  if (a !== b) lines.push(`-${a}`, `+${b}`);
  for (const host of diff.hosts) {
    lines.push('');
    for (const line of renderHost(host)) lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}
