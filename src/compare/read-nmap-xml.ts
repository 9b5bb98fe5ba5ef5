// Reads nmap XML, as nmap or earshot wrote it, into the shape diff compares.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { quote } from '../errors.js';
import {
  type ComparableHost,
  type ComparablePort,
  type ComparableReport,
  reportReadError as readError,
} from './comparable.js';

type XmlNode = Record<string, unknown>;

// fast-xml-parser's own limit (maxNestedTags), named here for the message.
const MAX_NESTING = 100;

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

/** Parses nmap XML text; `file` names it in errors. */
export function parseNmapXml(text: string, file: string): ComparableReport {
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
    maxNestedTags: MAX_NESTING,
  });
  let document: XmlNode;
  try {
    document = parser.parse(text) as XmlNode;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const problem = /nested/i.test(message)
      ? `its elements nest more than ${MAX_NESTING} deep (nmap XML nests at most 6).`
      : `earshot cannot parse this XML (${message}).`;
    throw readError(file, problem, error);
  }
  const nmaprun = document.nmaprun;
  // <nmaprun/> (or with only text inside) parses to a string: a report that lists no hosts.
  const root = typeof nmaprun === 'string' ? {} : children(document, 'nmaprun')[0];
  if (!root) {
    const found = Object.keys(document).find((key) => !key.startsWith('?') && !key.startsWith('#'));
    throw readError(
      file,
      found === undefined
        ? 'it is XML without a root element; expected an nmap XML report (<nmaprun>).'
        : `it is XML but not an nmap XML report: its root element is <${found}>, not <nmaprun>.`,
    );
  }
  return {
    file,
    format: 'nmap-xml',
    scanner: attr(root, 'scanner') ?? 'nmap',
    version: attr(root, 'version') ?? '',
    args: attr(root, 'args') ?? '',
    startedAt: startTime(attr(root, 'start'), file),
    hosts: children(root, 'host').map((host, index) => parseXmlHost(host, index, file)),
  };
}

// ECMA-262: a Date reaches 8.64e15 ms either side of 1970, the year 275760.
const LATEST_START_SECONDS = 8.64e12;

/** `<nmaprun start>`: seconds since 1970 (nmap.dtd's %attr_numeric), absent or empty as null. */
function startTime(start: string | undefined, file: string): string | null {
  if (start === undefined || start.trim() === '') return null;
  const seconds = Number(start);
  if (!/^\s*\d+\s*$/.test(start) || seconds > LATEST_START_SECONDS) {
    throw readError(
      file,
      `<nmaprun start=${quote(start)}> is not a start time: nmap writes whole seconds since 1970, up to ${LATEST_START_SECONDS}.`,
    );
  }
  return seconds > 0 ? new Date(seconds * 1000).toISOString() : null;
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
          `host ${addr} has a <port> with portid ${quote(portid)} and protocol ${quote(protocol ?? '')}; expected 0-65535 and a protocol.`,
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
