// Which addresses are this host's own, in this network namespace: loopback, and every address of its
// interfaces. The kernel delivers a packet to any of them locally, through the loopback device, as
// it delivers one to 127.0.0.1. A scan of such an address meets its own sockets (bound to the
// wildcard address) and no ICMP rate limit.
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';

/** True for 127.0.0.0/8 and ::1: the kernel itself answers, no packet leaves. */
export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || /^127\./.test(address);
}

/** An address in one spelling (IPv6 in full, zone dropped), or null when it is not an address. */
function normalise(address: string): string | null {
  const bare = address.replace(/%.*$/, '');
  return ipaddr.isValid(bare) ? ipaddr.parse(bare).toNormalizedString() : null;
}

/** Every address of this host's interfaces as the kernel reports them, loopback's included. */
export function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((entries) =>
    (entries ?? []).map((entry) => entry.address),
  );
}

/**
 * The addresses of this host's interfaces, read now (they can change while a long program runs):
 * for `isOwnAddress`, which takes the set so a scan reads the interfaces once.
 */
export function readOwnAddresses(): ReadonlySet<string> {
  const own = new Set<string>();
  for (const address of interfaceAddresses()) {
    const normalised = normalise(address);
    if (normalised !== null) own.add(normalised);
  }
  return own;
}

/** True for a loopback address or an address of one of this host's interfaces. */
export function isOwnAddress(address: string, own: ReadonlySet<string>): boolean {
  if (isLoopbackAddress(address)) return true;
  const normalised = normalise(address);
  return normalised !== null && own.has(normalised);
}
