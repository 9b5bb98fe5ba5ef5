// nmap XML for a verify report: each scanned address as a <host> with the ports the network saw,
// earshot's owners in <owner> and its verdicts as script results, which the DTD allows and ndiff and
// nmap.xsl show; the findings as a post-scan script.
import type { Finding, VerifyPort, VerifyReport } from '../../model.js';
import { epochSeconds } from '../scan/nmap-time.js';
import {
  type NmapXmlOptions,
  renderPortXml,
  renderScanXmlFooter,
  renderScanXmlHeader,
  type ScanXmlHeader,
} from '../scan/nmap-xml.js';
import { xmlElement as element, escapeXmlText } from '../xml-escape.js';
import { formatOwnerGroups, portsSeenAt, verdictLine } from './verify-hosts.js';

function elem(key: string, value: string): string {
  return `${element('elem', { key }, '>')}${escapeXmlText(value)}</elem>`;
}

function verdictScript(port: VerifyPort): string {
  const { level, summary, findings } = port.verdict;
  return (
    element('script', { id: 'earshot-verdict', output: verdictLine(port) }, '>') +
    elem('level', level) +
    elem('summary', summary) +
    elem('findings', findings.join(', ')) +
    elem('in_kernel_table', String(port.inKernelTable)) +
    '</script>'
  );
}

function findingLine(finding: Finding): string {
  return `${finding.severity.toUpperCase()} ${finding.kind} ${finding.protocol}/${finding.port} ${finding.address}: ${finding.message}`;
}

function findingsScript(findings: readonly Finding[]): string {
  const tables = findings.map(
    (finding) =>
      `<table>${elem('severity', finding.severity)}${elem('kind', finding.kind)}${elem('protocol', finding.protocol)}` +
      `${elem('port', String(finding.port))}${elem('address', finding.address)}${elem('message', finding.message)}` +
      `${elem('advice', finding.advice)}</table>`,
  );
  const output = findings.map(findingLine).join('\n');
  return `<postscript>${element('script', { id: 'earshot-findings', output }, '>')}${tables.join('')}</script></postscript>\n`;
}

function renderVerifyHost(report: VerifyReport, address: string): string {
  const family = address.includes(':') ? 'ipv6' : 'ipv4';
  const ports = portsSeenAt(report, address).map(({ result, row }) =>
    renderPortXml(result, {
      owner: row.owners.length > 0 ? formatOwnerGroups(row.owners) : undefined,
      scripts: verdictScript(row),
    }),
  );
  return [
    element(
      'host',
      { starttime: epochSeconds(report.stats.startedAt), endtime: epochSeconds(report.stats.endedAt) },
      '>',
    ) + element('status', { state: 'up', reason: 'user-set', reason_ttl: 0 }),
    element('address', { addr: address, addrtype: family }),
    '<hostnames>',
    element('hostname', { name: report.host.hostname, type: 'user' }),
    '</hostnames>',
    `<ports>${ports.join('\n')}`,
    '</ports>',
    '</host>',
    '',
  ].join('\n');
}

/** The verify report as nmap XML (valid against nmap's DTD with the default `scanner`). */
export function renderVerifyXml(report: VerifyReport, options: NmapXmlOptions = {}): string {
  const header: ScanXmlHeader = {
    version: report.version,
    args: report.args,
    startedAt: report.stats.startedAt,
    scanInfo: report.scanned.protocols.map((protocol) => ({
      type: protocol === 'udp' ? 'udp' : 'connect',
      protocol,
      portCount: report.scanned.portCount,
      portSpec: report.scanned.portSpec,
    })),
  };
  const addresses = report.scanned.addresses;
  return (
    renderScanXmlHeader(header, options) +
    addresses.map((address) => renderVerifyHost(report, address)).join('') +
    (report.findings.length > 0 ? findingsScript(report.findings) : '') +
    renderScanXmlFooter({
      ...report.stats,
      addressesScanned: addresses.length,
      hostsUp: addresses.length,
      hostsDown: 0,
    })
  );
}
