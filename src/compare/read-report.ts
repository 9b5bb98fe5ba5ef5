// Reads a report earshot or nmap wrote (earshot scan or verify JSON, or nmap XML from either tool)
// into the one shape that `earshot diff` compares.
import { quote } from '../errors.js';
import { readBoundedTextFile } from '../io/bounded-read.js';
import { INPUT_FILES } from '../io/input-files.js';
import type { ScanReport, Service, VerifyReport } from '../model.js';
import { formatArgs } from '../report/scan/nmap-xml.js';
import { formatOwnerGroups, portsSeenAt, verdictLine } from '../report/verify/verify-hosts.js';
import {
  type ComparableHost,
  type ComparablePort,
  type ComparableReport,
  reportReadError as readError,
} from './comparable.js';
import { parseNmapXml } from './read-nmap-xml.js';
import { loadReportValidator } from './report-schema.js';

/** Reports bigger than this are refused rather than read into memory. */
export const MAX_REPORT_BYTES = INPUT_FILES.report.maxBytes;

/** Reads and parses the report in `file` (earshot JSON or nmap XML, told apart by content). */
export async function readReport(
  file: string,
  options: { signal?: AbortSignal } = {},
): Promise<ComparableReport> {
  const text = await readBoundedTextFile(file, { kind: INPUT_FILES.report, signal: options.signal });
  return parseReport(text, file);
}

/** Parses report text; `file` names it in errors. */
export async function parseReport(text: string, file: string): Promise<ComparableReport> {
  const body = text.replace(/^\uFEFF/, '').trimStart();
  if (body === '')
    throw readError(file, 'the file is empty; was the scan interrupted before it wrote anything?');
  if (body.startsWith('{')) return parseJsonReport(body, file);
  if (body.startsWith('<')) return parseNmapXml(body, file);
  throw readError(
    file,
    'it is neither JSON nor XML; give an earshot JSON report (-oJ) or an nmap/earshot XML report (-oX).',
  );
}

function comparableService(service: Service | null): ComparablePort['service'] {
  if (!service) return null;
  const { name, product, version, extraInfo, tunnel } = service;
  return { name, product, version, extraInfo, tunnel };
}

function scanHosts(report: ScanReport): ComparableHost[] {
  return report.hosts.map((host) => ({
    address: host.address,
    family: host.family,
    hostnames: host.hostnames,
    status: host.status,
    ports: host.ports.map((port) => ({
      protocol: port.protocol,
      port: port.port,
      state: port.state,
      service: comparableService(port.service),
    })),
    extraPorts: host.extraPorts.map((extra) => ({ state: extra.state, count: extra.count })),
  }));
}

// The same per-address view that verify's nmap XML gives, so JSON and XML of one run compare equal.
function verifyHosts(report: VerifyReport): ComparableHost[] {
  return report.scanned.addresses.map((address) => ({
    address,
    family: address.includes(':') ? 'ipv6' : 'ipv4',
    hostnames: [report.host.hostname],
    status: 'up',
    ports: portsSeenAt(report, address).map(({ result, row }) => ({
      protocol: result.protocol,
      port: result.port,
      state: result.state,
      service: comparableService(result.service),
      ...(row.owners.length > 0 ? { owner: formatOwnerGroups(row.owners) } : {}),
      verdict: verdictLine(row),
    })),
    extraPorts: [],
  }));
}

async function parseJsonReport(text: string, file: string): Promise<ComparableReport> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw readError(file, `it is not valid JSON (${(error as Error).message}).`, error);
  }
  const kind = (value as { kind?: unknown }).kind;
  if (kind !== 'scan' && kind !== 'verify') {
    throw readError(
      file,
      `it is a JSON document of kind ${quote(kind ?? null)}; diff reads earshot scan and verify reports.`,
    );
  }
  const problems = (await loadReportValidator(kind))(value);
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ');
    throw readError(file, `it does not match the earshot ${kind} report schema: ${shown}.`);
  }
  const report = value as ScanReport | VerifyReport;
  return {
    file,
    format: 'earshot-json',
    scanner: report.tool,
    version: report.version,
    args: formatArgs(report.args),
    startedAt: report.stats.startedAt,
    hosts: report.kind === 'scan' ? scanHosts(report) : verifyHosts(report),
  };
}
