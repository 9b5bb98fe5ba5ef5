// STAND-IN until branch scan-input merges: its ports.ts replaces this file whole (same API).
import type { ServiceCatalog } from '../catalog/services.js';
import { EarshotError } from '../errors.js';

/** Parses nmap's port syntax: `22,80,8000-8100`, `-` (all). */
export function parsePortSpec(spec: string, options: { allowZero?: boolean } = {}): number[] {
  const ports = new Set<number>();
  const low = options.allowZero ? 0 : 1;
  for (const part of spec.split(',')) {
    const match = /^(\d*)(-?)(\d*)$/.exec(part.trim());
    if (!match || part.trim() === '') {
      throw new EarshotError(
        'ERR_PORT_SPEC',
        `Invalid port spec "${spec}": write ports like 22,80,8000-8100 or -.`,
      );
    }
    const start = match[1] ? Number(match[1]) : low;
    const end = match[2] ? (match[3] ? Number(match[3]) : 65535) : start;
    if (start < low || end > 65535 || end < start) {
      throw new EarshotError(
        'ERR_PORT_SPEC',
        `Invalid port range "${part}" in "${spec}": ports run from ${low} to 65535.`,
      );
    }
    for (let port = start; port <= end; port++) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

/** Ports 1–1024 and every higher port the catalog names for TCP. */
export function defaultTcpPorts(catalog: ServiceCatalog): number[] {
  const ports = new Set<number>();
  for (let port = 1; port <= 1024; port++) ports.add(port);
  for (const port of catalog.namedPorts('tcp')) if (port > 0) ports.add(port);
  return [...ports].sort((a, b) => a - b);
}

/** The shortest spec for a port list: `1-1024,1080`. */
export function formatPortSpec(ports: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ports.length; ) {
    let j = i;
    while (j + 1 < ports.length && ports[j + 1] === ports[j]! + 1) j++;
    parts.push(i === j ? `${ports[i]}` : `${ports[i]}-${ports[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
