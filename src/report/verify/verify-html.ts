// The verify report as one self-contained HTML page (no scripts, no fetches; a Content-Security-Policy
// forbids both) for people who never open a terminal: summary, findings by severity, the port table.
import type { Finding, Severity, VerifyPort, VerifyReport } from '../../model.js';
import { escapeXmlAttribute, escapeXmlText } from '../xml-escape.js';
import { formatOwnerGroups } from './verify-hosts.js';

const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'notice', 'info'];

// XML text escaping is HTML-safe too: &, <, > become references and unsafe characters visible text.
const text = escapeXmlText;
const attr = escapeXmlAttribute;

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:75rem;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid #ccc}
.meta{color:#555}.cards{display:flex;gap:.75rem;flex-wrap:wrap;margin:1rem 0}
.card{border:2px solid;border-radius:.4rem;padding:.5rem 1rem;min-width:7rem}.card b{display:block;font-size:1.6rem}
.critical{border-color:#b00020;color:#b00020}.warning{border-color:#a15c00;color:#a15c00}
.notice{border-color:#0057a3;color:#0057a3}.info,.ok{border-color:#3b6e3b;color:#3b6e3b}
table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{border:1px solid #ccc;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}.finding{border-left:.35rem solid;padding:.4rem .8rem;margin:.5rem 0;background:#fafafa}
.finding p{margin:.2rem 0}.level{font-weight:bold;text-transform:uppercase}code{font-size:.9em;word-break:break-all}
@media print{body{margin:0;max-width:none}.finding,tr{break-inside:avoid}a{color:inherit}}
`;

function findingHtml(finding: Finding): string {
  const evidence = finding.evidence
    .map((item) => `<li><b>${text(item.witness)}</b>: ${text(item.detail)}</li>`)
    .join('');
  return (
    `<div class="finding ${attr(finding.severity)}"><p><span class="level">${text(finding.severity)}</span> ` +
    `<code>${text(finding.kind)}</code> ${text(`${finding.protocol}/${finding.port}`)} on ${text(finding.address)}</p>` +
    `<p>${text(finding.message)}</p><p><b>What to do:</b> ${text(finding.advice)}</p>` +
    (evidence ? `<ul>${evidence}</ul>` : '') +
    '</div>'
  );
}

function portRow(port: VerifyPort): string {
  const network =
    port.network.map((seen) => text(`${seen.address}: ${seen.state} (${seen.reason})`)).join('<br>') ||
    'not reached';
  const owners =
    port.owners.length > 0
      ? formatOwnerGroups(port.owners)
      : port.ownerStatus && 'message' in port.ownerStatus
        ? port.ownerStatus.message
        : '';
  const cmdlines = [...new Set(port.owners.map((owner) => owner.cmdline.join(' ')))];
  const service = port.service
    ? [port.service.name, port.service.product, port.service.version].filter(Boolean).join(' ')
    : '';
  const rpc = port.rpc.map((r) => `${r.name ?? r.program} v${r.version}`).join(', ');
  const cells = [
    text(`${port.port}/${port.protocol}`),
    text(port.address),
    network,
    port.inKernelTable ? 'yes' : '<b>no</b>',
    `${text(owners)}${cmdlines.map((line) => `<br><code>${text(line)}</code>`).join('')}`,
    text([service, rpc && `RPC ${rpc}`].filter(Boolean).join('; ')),
    `<span class="level ${attr(port.verdict.level)}">${text(port.verdict.level)}</span> ${text(port.verdict.summary)}`,
  ];
  return `<tr>${cells.map((cell) => `<td>${cell}</td>`).join('')}</tr>`;
}

/** The whole verify report as one HTML document. */
export function renderVerifyHtml(report: VerifyReport): string {
  const title = `earshot verify — ${report.host.hostname}`;
  const cards = SEVERITIES.map(
    (severity) => `<div class="card ${severity}"><b>${report.summary[severity]}</b>${severity}</div>`,
  ).join('');
  const findings = SEVERITIES.map((severity) => {
    const group = report.findings.filter((finding) => finding.severity === severity);
    return group.length > 0 ? `<h3>${severity} (${group.length})</h3>${group.map(findingHtml).join('')}` : '';
  }).join('');
  const witnesses = report.witnesses
    .map(
      (w) =>
        `<tr><td>${text(w.witness)}</td><td>${w.available ? 'yes' : '<b>no</b>'}</td><td>${text(w.detail)}</td></tr>`,
    )
    .join('');
  const scanned = `${report.scanned.addresses.join(', ')} — ${report.scanned.protocols.join('+')} ports ${report.scanned.portSpec}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${text(title)}</h1>
<p class="meta">Checked ${text(report.stats.startedAt)} to ${text(report.stats.endedAt)} (${(report.stats.elapsedMs / 1000).toFixed(1)} s)${report.host.privileged ? '' : ' — <b>not run as root: some owners could not be seen</b>'}${report.stats.interrupted ? ' — <b>interrupted: the results are partial</b>' : ''}.<br>
Scanned: ${text(scanned)}. Command: <code>${text(report.args.join(' '))}</code>. earshot ${text(report.version)}.</p>
<h2>Summary</h2>
<div class="cards">${cards}</div>
<h2>Findings</h2>
${findings || '<p>No findings: every listening port is explained.</p>'}
<h2>Ports</h2>
<table>
<thead><tr><th>Port</th><th>Address</th><th>Network</th><th>In kernel table</th><th>Owners</th><th>Service</th><th>Verdict</th></tr></thead>
<tbody>
${report.ports.map(portRow).join('\n')}
</tbody>
</table>
<h2>Witnesses</h2>
<table><thead><tr><th>Witness</th><th>Available</th><th>Detail</th></tr></thead><tbody>${witnesses}</tbody></table>
</body>
</html>
`;
}
