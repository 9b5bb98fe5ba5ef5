// Reads nmap XML, as nmap or earshot wrote it, into the shape diff compares.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  type ComparableHost,
  type ComparablePort,
  type ComparableReport,
  reportReadError as readError,
} from './comparable.js';

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
