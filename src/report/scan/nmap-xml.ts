// nmap XML (-oX) for a scan report, valid against nmap's own DTD (/usr/share/nmap/nmap.dtd), so that
// ndiff, nmap.xsl and the importers that read nmap XML read earshot's too.
import type { HostResult, PortResult, ScanReport, ScanStats, Service } from '../../model.js';
import { xmlElement as element, escapeXmlAttribute, escapeXmlComment } from '../xml-escape.js';
import { addressSummary, ctimeString, elapsedSeconds, epochSeconds } from './nmap-time.js';

/** nmap's XML output version that this writer follows. */
export const NMAP_XML_OUTPUT_VERSION = '1.05';

/** How to write the XML. */
export interface NmapXmlOptions {
  /**
   * The `scanner` attribute of `<nmaprun>`. nmap's DTD allows only "nmap", so that is the default;
   * "earshot" names the tool honestly, and ndiff reads it, but the file no longer validates.
   */
  scanner?: 'nmap' | 'earshot';
  /** An XSL stylesheet to reference (`<?xml-stylesheet?>`), e.g. file:///usr/share/nmap/nmap.xsl. */
  stylesheet?: string;
}

/** What the XML header needs to know before any host has finished. */
export type ScanXmlHeader = Pick<ScanReport, 'version' | 'args' | 'scanInfo'> & { startedAt: string };

/** The command line as one string, quoting the words a shell would split or expand. */
export function formatArgs(args: readonly string[]): string {
  const words = args.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`));
  if (words[0] !== 'earshot' && !words[0]?.endsWith('/earshot')) words.unshift('earshot');
  return words.join(' ');
}

/** The start of the document, up to and including `<debugging>`: write it before the first host. */
export function renderScanXmlHeader(header: ScanXmlHeader, options: NmapXmlOptions = {}): string {
  const args = formatArgs(header.args);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<!DOCTYPE nmaprun>'];
  if (options.stylesheet !== undefined) {
    lines.push(`<?xml-stylesheet href="${escapeXmlAttribute(options.stylesheet)}" type="text/xsl"?>`);
  }
  lines.push(
    `<!-- ${escapeXmlComment(`earshot ${header.version} scan initiated ${ctimeString(header.startedAt)} as: ${args}`)} -->`,
    element(
      'nmaprun',
      {
        scanner: options.scanner ?? 'nmap',
        args,
        start: epochSeconds(header.startedAt),
        startstr: ctimeString(header.startedAt),
        version: header.version,
        xmloutputversion: NMAP_XML_OUTPUT_VERSION,
      },
      '>',
    ),
  );
  for (const info of header.scanInfo) {
    lines.push(
      element('scaninfo', {
        type: info.type,
        protocol: info.protocol,
        numservices: info.portCount,
        services: info.portSpec,
      }),
    );
  }
  lines.push('<verbose level="0"/>', '<debugging level="0"/>', '');
  return lines.join('\n');
}

function renderService(service: Service): string {
  const probed = service.source === 'probed';
  return element('service', {
    name: service.name,
    product: service.product,
    version: service.version,
    extrainfo: service.extraInfo,
    tunnel: service.tunnel,
    method: probed ? 'probed' : 'table',
    conf: probed ? Math.max(0, Math.min(10, Math.round(service.confidence ?? 10))) : 3,
  });
}

/**
 * One `<port>`: state, then the `owner` and `scripts` earshot adds for verify, then the service, in
 * the DTD's order (state, owner?, service?, script*).
 */
export function renderPortXml(port: PortResult, extra: { owner?: string; scripts?: string } = {}): string {
  return (
    element('port', { protocol: port.protocol, portid: port.port }, '>') +
    element('state', { state: port.state, reason: port.reason, reason_ttl: 0 }) +
    (extra.owner !== undefined ? element('owner', { name: extra.owner }) : '') +
    (port.service ? renderService(port.service) : '') +
    (extra.scripts ?? '') +
    '</port>'
  );
}

/** One `<host>` element; write each as its host finishes. */
export function renderScanXmlHost(host: HostResult, header?: Pick<ScanXmlHeader, 'scanInfo'>): string {
  const up = host.status === 'up';
  const lines = [
    element(
      'host',
      up
        ? {
            starttime: epochSeconds(host.startedAt),
            endtime: epochSeconds(host.endedAt),
            timedout: host.timedOut ? 'true' : undefined,
          }
        : {},
      '>',
    ) + element('status', { state: host.status, reason: host.statusReason, reason_ttl: 0 }),
    element('address', { addr: host.address, addrtype: host.family }),
  ];
  if (up || host.hostnames.length > 0) {
    lines.push('<hostnames>');
    for (const name of host.hostnames) lines.push(element('hostname', { name, type: 'user' }));
    lines.push('</hostnames>');
  }
  if (up) {
    // extrareasons' proto is only certain when the whole scan used one protocol.
    const protocols = new Set(header?.scanInfo.map((info) => info.protocol));
    const proto = protocols.size === 1 ? [...protocols][0] : undefined;
    let ports = '<ports>';
    for (const extra of host.extraPorts) {
      ports += `${element('extraports', { state: extra.state, count: extra.count }, '>')}\n`;
      for (const [reason, count] of Object.entries(extra.reasons)) {
        ports += `${element('extrareasons', { reason, count, proto })}\n`;
      }
      ports += '</extraports>\n';
    }
    lines.push(ports + host.ports.map((port) => renderPortXml(port)).join('\n'), '</ports>');
  }
  lines.push('</host>', '');
  return lines.join('\n');
}

/**
 * The end of the document. nmap's DTD requires `<runstats>`, so an interrupted run writes it too, the
 * way nmap does after a fatal error: `exit="error"` with the reason in `errormsg`.
 */
export function renderScanXmlFooter(stats: ScanStats): string {
  const endstr = ctimeString(stats.endedAt);
  const summary = `${addressSummary(stats.addressesScanned, stats.hostsUp)} scanned in ${elapsedSeconds(stats.elapsedMs)} seconds`;
  const finished = element('finished', {
    time: epochSeconds(stats.endedAt),
    timestr: endstr,
    summary: stats.interrupted
      ? `earshot interrupted at ${endstr}; ${summary}; results are partial`
      : `earshot done at ${endstr}; ${summary}`,
    elapsed: elapsedSeconds(stats.elapsedMs),
    exit: stats.interrupted ? 'error' : 'success',
    errormsg: stats.interrupted ? 'Interrupted: the results are partial' : undefined,
  });
  const hosts = element('hosts', {
    up: stats.hostsUp,
    down: stats.hostsDown,
    total: stats.hostsUp + stats.hostsDown,
  });
  return `<runstats>${finished}${hosts}\n</runstats>\n</nmaprun>\n`;
}

/** The whole scan report as one nmap XML document. */
export function renderScanXml(report: ScanReport, options: NmapXmlOptions = {}): string {
  const header: ScanXmlHeader = { ...report, startedAt: report.stats.startedAt };
  return (
    renderScanXmlHeader(header, options) +
    report.hosts.map((host) => renderScanXmlHost(host, header)).join('') +
    renderScanXmlFooter(report.stats)
  );
}
