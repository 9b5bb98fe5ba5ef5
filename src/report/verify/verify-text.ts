// The human verify report: witnesses, one row per listening port, then findings most severe first.
import pc from 'picocolors';
import { formatOwnerGroup, groupOwners } from '../../describe/owners.js';
import { describeDetected } from '../../describe/services.js';
import type { Finding, VerdictLevel, VerifyPort, VerifyReport } from '../../model.js';
import { renderTable } from '../table.js';
import { escapeForTerminal } from '../terminal-escape.js';

/** How to render: colour only when the caller knows the output is a terminal. */
export interface TextRenderOptions {
  colors: boolean;
  /** The report's overall verdict, decided by reconcile/'s `overallLevel`. */
  verdict: VerdictLevel;
}

type Paint = (text: string) => string;

function painter(colors: boolean) {
  const c = pc.createColors(colors);
  const level: Record<VerdictLevel, Paint> = {
    critical: (text) => c.bold(c.red(text)),
    warning: c.yellow,
    notice: c.cyan,
    info: c.dim,
    ok: c.green,
  };
  return { c, level };
}

function networkCell(port: VerifyPort): string {
  if (!port.networkScanned) return 'not scanned';
  if (port.network.length === 0) return 'not reached';
  const states = new Set(port.network.map((observation) => observation.state));
  if (states.size === 1) return [...states][0] ?? '';
  return port.network.map((observation) => `${observation.address} ${observation.state}`).join(', ');
}

function ownersCell(port: VerifyPort): { owners: string; user: string } {
  if (port.owners.length === 0) {
    if (port.ownerStatus && port.ownerStatus.kind !== 'known')
      return { owners: port.ownerStatus.message, user: '-' };
    return { owners: port.inKernelTable ? '-' : 'none in kernel table', user: '-' };
  }
  const groups = groupOwners(port.owners);
  return {
    owners: groups.map((group) => formatOwnerGroup(group)).join(', '),
    user: [...new Set(groups.map((group) => group.user ?? '?'))].join(','),
  };
}

function serviceCell(port: VerifyPort): string {
  const rpc = port.rpc[0];
  if (rpc) return rpc.name ? `${rpc.name} (rpc ${rpc.program})` : `rpc ${rpc.program}`;
  if (port.detected) return describeDetected(port.detected);
  return port.service?.name ?? 'unknown';
}

function renderFinding(finding: Finding, paint: ReturnType<typeof painter>): string {
  const label = paint.level[finding.severity](finding.severity.toUpperCase().padEnd(8));
  const lines = [`${label} ${finding.kind}  ${finding.port}/${finding.protocol} ${finding.address}`];
  lines.push(`  ${escapeForTerminal(finding.message)}`);
  for (const evidence of finding.evidence)
    lines.push(paint.c.dim(`    ${evidence.witness}: ${escapeForTerminal(evidence.detail)}`));
  lines.push(`  next: ${escapeForTerminal(finding.advice)}`);
  return lines.join('\n');
}

/** Renders a verify report as text for a terminal or a log. */
export function renderVerifyText(report: VerifyReport, options: TextRenderOptions): string {
  const paint = painter(options.colors);
  const out: string[] = [];
  const who = report.host.privileged ? 'as root' : 'not as root: some owners cannot be seen';
  out.push(
    `earshot ${report.version} verify of ${escapeForTerminal(report.host.hostname)} (${report.scanned.addresses.join(', ')}), ` +
      `${report.scanned.portCount} ${report.scanned.protocols.join('+')} ports, ${who}`,
  );
  for (const witness of report.witnesses) {
    const mark = witness.available ? paint.c.green('yes') : paint.c.yellow('no ');
    out.push(`  witness ${witness.witness.padEnd(9)} ${mark}  ${escapeForTerminal(witness.detail)}`);
  }
  out.push('');
  const rows = report.ports.map((port) => {
    const { owners, user } = ownersCell(port);
    return [
      `${port.port}/${port.protocol}`,
      port.address,
      networkCell(port),
      serviceCell(port),
      owners,
      user,
      port.verdict.level,
      port.verdict.summary,
    ];
  });
  if (rows.length === 0) out.push('No listening ports.');
  else
    out.push(
      renderTable(
        [
          { heading: 'PORT' },
          { heading: 'ADDRESS' },
          { heading: 'NETWORK' },
          { heading: 'SERVICE' },
          { heading: 'OWNERS' },
          { heading: 'USER' },
          {
            heading: 'VERDICT',
            paint: (padded, raw) => (paint.level[raw as VerdictLevel] ?? String)(padded),
          },
          { heading: 'WHY' },
        ],
        rows,
      ),
    );
  out.push('');
  const { summary } = report;
  out.push(
    `Findings: ${summary.critical} critical, ${summary.warning} warning, ${summary.notice} notice, ${summary.info} info`,
  );
  for (const finding of report.findings) out.push(renderFinding(finding, paint));
  const level = options.verdict;
  const seconds = (report.stats.elapsedMs / 1000).toFixed(2);
  out.push('');
  const verdict = report.stats.interrupted
    ? paint.level.warning('Verdict: INCOMPLETE (interrupted: the witnesses did not finish)')
    : paint.level[level](`Verdict: ${level.toUpperCase()}`);
  const judged = report.ports.length;
  out.push(`${verdict} — ${judged} port${judged === 1 ? '' : 's'} judged in ${seconds} s`);
  return `${out.join('\n')}\n`;
}
