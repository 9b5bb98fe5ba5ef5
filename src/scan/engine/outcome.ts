// What one TCP probe concluded, packed in a byte so a /16 or a full -p- scan stays a flat typed array
// (and crosses worker threads without copying).
import type { PortReason, PortState } from '../../model.js';

/** Outcome codes, one byte per probed port; 0 means not concluded (host timeout, interrupt). */
export const Outcome = {
  pending: 0,
  open: 1,
  closed: 2,
  noResponse: 3,
  hostUnreach: 4,
  netUnreach: 5,
  adminProhibited: 6,
} as const;

/** One of the Outcome codes. */
export type OutcomeCode = (typeof Outcome)[keyof typeof Outcome];

const MEANINGS: readonly (readonly [PortState, PortReason] | null)[] = [
  null,
  ['open', 'syn-ack'],
  ['closed', 'conn-refused'],
  ['filtered', 'no-response'],
  ['filtered', 'host-unreach'],
  ['filtered', 'net-unreach'],
  ['filtered', 'admin-prohibited'],
];

/** The port state and reason an outcome code stands for; null for `pending`. */
export function describeOutcome(code: number): readonly [PortState, PortReason] | null {
  return MEANINGS[code] ?? null;
}

const UDP_MEANINGS: readonly (readonly [PortState, PortReason] | null)[] = [
  null,
  ['open', 'udp-response'],
  ['closed', 'port-unreach'],
  ['open|filtered', 'no-response'],
  ['filtered', 'host-unreach'],
  ['filtered', 'net-unreach'],
  ['filtered', 'admin-prohibited'],
];

/** The port state and reason an outcome code stands for in a UDP scan; null for `pending`. */
export function describeUdpOutcome(code: number): readonly [PortState, PortReason] | null {
  return UDP_MEANINGS[code] ?? null;
}
