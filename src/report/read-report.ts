// Reads a scan report earshot or nmap wrote (earshot JSON, or nmap XML from either tool) into one
// shape that `earshot diff` compares.
import { readFile, stat } from 'node:fs/promises';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { EarshotError, errnoCode } from '../errors.js';
import type { ScanReport, Service, VerifyReport } from '../model.js';
import { formatArgs } from './nmap-xml.js';
import { loadReportValidator } from './report-schema.js';
import { formatOwners, portsSeenAt, verdictLine } from './verify-hosts.js';

/** A port as diff compares it. States are strings: nmap XML may hold states earshot never writes. */
export interface ComparablePort {
  protocol: string;
  port: number;
  state: string;
  service: { name: string; product?: string; version?: string; extraInfo?: string; tunnel?: string } | null;
  /** Who holds the port, as earshot's verify XML writes it in `<owner>` (`sshd[400] (root)`). */
  owner?: string;
  /** earshot's verdict (`notice: ...`), from verify XML's `earshot-verdict` script. */
  verdict?: string;
}

/** A host as diff compares it. */
export interface ComparableHost {
  address: string;
  family: string;
  hostnames: string[];
  /** up, down (nmap XML may also say unknown or skipped). */
  status: string;
  ports: ComparablePort[];
  /** Ports not listed one by one, counted by state. */
  extraPorts: { state: string; count: number }[];
}

/** One report, read from earshot JSON or nmap XML. */
export interface ComparableReport {
  /** The file it came from, as given. */
  file: string;
  format: 'earshot-json' | 'nmap-xml';
  /** `earshot` or `nmap` (XML's `scanner`, which earshot writes as "nmap" by default). */
  scanner: string;
  version: string;
  /** The command line, as one string. */
  args: string;
  /** ISO 8601 start of the scan, when the report says. */
  startedAt: string | null;
  hosts: ComparableHost[];
}

/** Reports bigger than this are refused rather than read into memory. */
export const MAX_REPORT_BYTES = 256 * 1024 * 1024;

function readError(file: string, problem: string, cause?: unknown): EarshotError {
  return new EarshotError('ERR_REPORT_READ', `Cannot read report ${JSON.stringify(file)}: ${problem}`, {
    cause,
  });
}

/** Reads and parses the report in `file` (earshot JSON or nmap XML, told apart by content). */
export async function readReport(
  file: string,
  options: { signal?: AbortSignal } = {},
): Promise<ComparableReport> {
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw readError(file, 'it is not a regular file; give the path of a report file.');
    if (info.size > MAX_REPORT_BYTES) {
      throw readError(file, `it is ${info.size} bytes, more than the ${MAX_REPORT_BYTES} earshot reads.`);
    }
    text = await readFile(file, { encoding: 'utf8', signal: options.signal });
  } catch (error) {
    if (error instanceof EarshotError) throw error;
    if (options.signal?.aborted) throw options.signal.reason;
    const code = errnoCode(error);
    const hint = code === 'ENOENT' ? 'no such file; check the path.' : `${(error as Error).message}.`;
    throw readError(file, hint, error);
  }
  return parseReport(text, file);
}

/** Parses report text; `file` names it in errors. */
export async function parseReport(text: string, file: string): Promise<ComparableReport> {
  const body = text.replace(/^\uFEFF/, '').trimStart();
  if (body === '')
    throw readError(file, 'the file is empty; was the scan interrupted before it wrote anything?');
  if (body.startsWith('{')) return parseJsonReport(body, file);
  if (body.startsWith('<')) return parseXmlReport(body, file);
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
      ...(row.owners.length > 0 ? { owner: formatOwners(row.owners) } : {}),
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
      `it is a JSON document of kind ${JSON.stringify(kind)}; diff reads earshot scan and verify reports.`,
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

type XmlNode = Record<string, unknown>;

const ARRAYS = new Set(['host', 'address', 'hostname', 'port', 'extraports', 'hostnames', 'ports', 'script']);

// fast-xml-parser leaves entities to us (processEntities: false): decode XML's five and numeric
// references only, so no DTD can make one reference expand into gigabytes.
function decodeEntities(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (whole, name: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[name] !== undefined) return named[name];
    const code = name.startsWith('#x')
      ? Number.parseInt(name.slice(2), 16)
      : Number.parseInt(name.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function attr(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[`@_${name}`];
  return typeof value === 'string' ? decodeEntities(value) : undefined;
}

function children(node: XmlNode | undefined, name: string): XmlNode[] {
  const value = node?.[name];
  if (Array.isArray(value))
    return value.filter((item): item is XmlNode => typeof item === 'object' && item !== null);
  return typeof value === 'object' && value !== null ? [value as XmlNode] : [];
}

function parseXmlReport(text: string, file: string): ComparableReport {
  if (/<!ENTITY/i.test(text)) {
    throw readError(file, 'it declares XML entities, which earshot does not expand; nmap never writes them.');
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    const hint = /Unclosed|closing tag/i.test(msg)
      ? ' (an interrupted nmap run leaves its XML unfinished)'
      : '';
    throw readError(file, `it is not well-formed XML at line ${line}, column ${col}: ${msg}${hint}`);
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseAttributeValue: false,
    parseTagValue: false,
    processEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (name) => ARRAYS.has(name),
  });
  const document = parser.parse(text) as XmlNode;
  const root = children(document, 'nmaprun')[0];
  if (!root) {
    const found = Object.keys(document).find((key) => !key.startsWith('?') && !key.startsWith('#'));
    throw readError(
      file,
      `it is XML but not an nmap XML report (root element <${found ?? '?'}>, expected <nmaprun>).`,
    );
  }
  const start = Number(attr(root, 'start'));
  return {
    file,
    format: 'nmap-xml',
    scanner: attr(root, 'scanner') ?? 'nmap',
    version: attr(root, 'version') ?? '',
    args: attr(root, 'args') ?? '',
    startedAt: Number.isFinite(start) && start > 0 ? new Date(start * 1000).toISOString() : null,
    hosts: children(root, 'host').map((host, index) => parseXmlHost(host, index, file)),
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function parseXmlHost(host: XmlNode, index: number, file: string): ComparableHost {
  const addresses = children(host, 'address').filter((a) => attr(a, 'addrtype') !== 'mac');
  const address = addresses[0];
  const addr = attr(address, 'addr');
  if (!addr) throw readError(file, `<host> number ${index + 1} has no IP <address>.`);
  const ports: ComparablePort[] = [];
  const extraPorts: ComparableHost['extraPorts'] = [];
  for (const list of children(host, 'ports')) {
    for (const extra of children(list, 'extraports')) {
      extraPorts.push({ state: attr(extra, 'state') ?? 'unknown', count: Number(attr(extra, 'count') ?? 0) });
    }
    for (const port of children(list, 'port')) {
      const portid = attr(port, 'portid') ?? '';
      const protocol = attr(port, 'protocol');
      if (!/^\d{1,5}$/.test(portid) || Number(portid) > 65535 || !protocol) {
        throw readError(
          file,
          `host ${addr} has a <port> with portid ${JSON.stringify(portid)} and protocol ${JSON.stringify(protocol ?? null)}; expected 0-65535 and a protocol.`,
        );
      }
      const service = children(port, 'service')[0];
      const name = attr(service, 'name');
      const verdict = children(port, 'script').find((script) => attr(script, 'id') === 'earshot-verdict');
      ports.push({
        ...optional('owner', attr(children(port, 'owner')[0], 'name')),
        ...optional('verdict', attr(verdict, 'output')),
        protocol,
        port: Number(portid),
        state: attr(children(port, 'state')[0], 'state') ?? 'unknown',
        service:
          service && name !== undefined
            ? {
                name,
                product: attr(service, 'product'),
                version: attr(service, 'version'),
                extraInfo: attr(service, 'extrainfo'),
                tunnel: attr(service, 'tunnel'),
              }
            : null,
      });
    }
  }
  return {
    address: addr,
    family: attr(address, 'addrtype') ?? 'ipv4',
    hostnames: children(host, 'hostnames').flatMap((names) =>
      children(names, 'hostname').flatMap((h) => attr(h, 'name') ?? []),
    ),
    status: attr(children(host, 'status')[0], 'state') ?? 'unknown',
    ports,
    extraPorts,
  };
}
