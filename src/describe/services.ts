// Services in words: what detection found on a port and which RPC programs the portmapper placed
// there, worded once for verdicts, findings and reports.
import type { RpcRegistration, Service } from '../model.js';

/** `ssh (OpenSSH 9.2p1)`: a detected service in a few words. */
export function describeDetected(service: Service): string {
  const product = [service.product, service.version].filter(Boolean).join(' ');
  const name = service.tunnel ? `${service.tunnel}/${service.name}` : service.name;
  return product ? `${name} (${product})` : name;
}

/** `ypbind (RPC 100007 v2)`, one per program. */
export function describeRpc(registrations: readonly RpcRegistration[]): string {
  const byProgram = new Map<number, { name: string | null; versions: number[] }>();
  for (const registration of registrations) {
    const entry = byProgram.get(registration.program) ?? { name: registration.name, versions: [] };
    if (!entry.versions.includes(registration.version)) entry.versions.push(registration.version);
    byProgram.set(registration.program, entry);
  }
  return [...byProgram.entries()]
    .map(([program, { name, versions }]) => {
      const label = `RPC ${program} v${versions.sort((a, b) => a - b).join(',v')}`;
      return name ? `${name} (${label})` : label;
    })
    .join(', ');
}
