// Which kernel listener answers a connection to a scanned address: the rules of bind(2) for
// wildcard, specific and dual-stack sockets, as plain functions.
import ipaddr from 'ipaddr.js';
import type { AddressFamily } from '../model.js';

/** An address in canonical text with its family; v4-mapped IPv6 (`::ffff:1.2.3.4`) counts as IPv4. */
export interface CanonicalAddress {
  text: string;
  family: AddressFamily;
}

/** Canonical form of an address so that `0:0::1` and `::1` compare equal; invalid text is kept as is. */
export function canonicalAddress(text: string): CanonicalAddress {
  if (!ipaddr.isValid(text)) return { text, family: text.includes(':') ? 'ipv6' : 'ipv4' };
  const parsed = ipaddr.parse(text);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return { text: v6.toIPv4Address().toString(), family: 'ipv4' };
    return { text: v6.toString(), family: 'ipv6' };
  }
  return { text: parsed.toString(), family: 'ipv4' };
}

/** How well a listener's local address matches a destination; higher wins, 0 = does not answer. */
export const CoverScore = { none: 0, dualStackWildcard: 1, wildcard: 2, exact: 3 } as const;

/**
 * Whether a socket listening on `listen` receives connections to `destination`.
 * `0.0.0.0` takes every IPv4 address; `::` every IPv6 address and, unless IPV6_V6ONLY is set
 * (ipv6(7)), every IPv4 one too. /proc/net/tcp6 prints both kinds of `::` alike, so a `::` listener
 * is taken to cover IPv4 at the lowest score: a more specific IPv4 listener wins.
 */
export function coverScore(listen: CanonicalAddress, destination: CanonicalAddress): number {
  if (listen.text === destination.text) return CoverScore.exact;
  if (listen.text === '0.0.0.0') return destination.family === 'ipv4' ? CoverScore.wildcard : CoverScore.none;
  if (listen.text === '::')
    return destination.family === 'ipv6' ? CoverScore.wildcard : CoverScore.dualStackWildcard;
  return CoverScore.none;
}
