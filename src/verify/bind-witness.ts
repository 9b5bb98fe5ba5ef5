// The bind witness as verify runs it: bind(2) on every port of both protocols and families (beside
// the scan), ports it could not judge for lack of descriptors probed again once the scan is over,
// and suspects (in use, yet in no table) confirmed by reading the tables and probing again.
import { type BindProbeResult, probeBoundPorts } from '../inventory/bind-probe.js';
import { readSockets } from '../inventory/read-sockets.js';
import type { AddressFamily, Inventory, Protocol, Socket } from '../model.js';
import type { BindWitnessInput } from '../reconcile/hidden.js';
import { STARVED, STARVED_PAUSE_MS, STARVED_ROUNDS } from './descriptors.js';

/** The four probes: TCP and UDP, IPv4 and IPv6. */
export const BIND_PROBES: readonly { protocol: Protocol; family: AddressFamily }[] = [
  { protocol: 'tcp', family: 'ipv4' },
  { protocol: 'tcp', family: 'ipv6' },
  { protocol: 'udp', family: 'ipv4' },
  { protocol: 'udp', family: 'ipv6' },
];

const listedPorts = (sockets: readonly Socket[]) =>
  new Set(sockets.map((socket) => `${socket.protocol}/${socket.localPort}`));

export function skippedBindWitness(reason: string): BindProbeAnswer[] {
  return BIND_PROBES.map((probe) => ({
    ...probe,
    available: false,
    unavailableReason: reason,
    method: 'none',
    inUse: [],
    unknown: [],
    probedCount: 0,
    elapsedMs: 0,
  }));
}

/** One bind probe's answer, with the errno of each port it could not judge. */
export type BindProbeAnswer = (typeof BIND_PROBES)[number] & BindProbeResult;

/** Every port, both protocols and families; the probes run off the main thread, all four at once. */
export async function probeAllPorts(signal: AbortSignal): Promise<BindProbeAnswer[]> {
  return await Promise.all(
    BIND_PROBES.map(async (probe) => ({ ...probe, ...(await probeBoundPorts({ ...probe, signal })) })),
  );
}

export function toWitnessInput(answer: BindProbeAnswer): BindWitnessInput {
  return {
    protocol: answer.protocol,
    family: answer.family,
    available: answer.available,
    unavailableReason: answer.unavailableReason,
    inUse: answer.inUse,
    unknown: answer.unknown.map((entry) => entry.port),
  };
}

// A probe socket that could not be made for lack of descriptors (the scan beside the bind witness
// holds them) says nothing about the port: those ports are probed again once the scan is over.
const starvedPorts = (answer: BindProbeAnswer): number[] =>
  answer.unknown.filter((entry) => STARVED.has(entry.errno)).map((entry) => entry.port);

const wholeProbeStarved = (answer: BindProbeAnswer): boolean =>
  !answer.available && [...STARVED].some((code) => answer.unavailableReason?.includes(code));

/**
 * Probes again, until none is left or the rounds run out, every port the bind witness could not
 * judge for lack of descriptors, and a whole probe that could not make a single socket.
 */
export async function reprobeStarved(
  answers: BindProbeAnswer[],
  signal: AbortSignal,
): Promise<BindProbeAnswer[]> {
  let current = answers;
  for (let round = 0; round < STARVED_ROUNDS && !signal.aborted; round++) {
    if (!current.some((answer) => wholeProbeStarved(answer) || starvedPorts(answer).length > 0)) break;
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, STARVED_PAUSE_MS));
    current = await Promise.all(
      current.map(async (answer) => {
        const { protocol, family } = answer;
        if (wholeProbeStarved(answer)) {
          return { protocol, family, ...(await probeBoundPorts({ protocol, family, signal })) };
        }
        const ports = starvedPorts(answer);
        if (ports.length === 0) return answer;
        const again = await probeBoundPorts({ protocol, family, ports, signal });
        if (!again.available) return answer;
        const retried = new Set(ports);
        return {
          ...answer,
          inUse: [...answer.inUse, ...again.inUse].sort((a, b) => a - b),
          unknown: [...answer.unknown.filter((entry) => !retried.has(entry.port)), ...again.unknown],
        };
      }),
    );
  }
  return current;
}

/**
 * Re-checks the ports the bind witness found in use that no table lists: read the table again,
 * probe just those ports again, read once more. Ports held meanwhile by short-lived sockets (the
 * scan's own connections among them) drop out; what stays in use and unlisted is kept.
 */
export async function confirmSuspects(
  results: readonly BindWitnessInput[],
  inventory: Inventory,
  options: { procRoot?: string | undefined; signal: AbortSignal },
): Promise<{ results: BindWitnessInput[]; extraSockets: Socket[] }> {
  if (options.signal.aborted) return { results: [...results], extraSockets: [] };
  let listed = listedPorts(inventory.sockets);
  const suspects = (witness: BindWitnessInput) =>
    witness.inUse.filter((port) => !listed.has(`${witness.protocol}/${port}`));
  if (!results.some((witness) => suspects(witness).length > 0))
    return { results: [...results], extraSockets: [] };
  const second = await readSockets({ procRoot: options.procRoot, signal: options.signal });
  listed = new Set([...listed, ...listedPorts(second.sockets)]);
  const confirmed = await Promise.all(
    results.map(async (witness) => {
      const remaining = suspects(witness);
      if (!witness.available || remaining.length === 0) return witness;
      const again = await probeBoundPorts({ ...witness, ports: remaining, signal: options.signal });
      const stillInUse = new Set(again.inUse);
      const inUse = witness.inUse.filter(
        (port) => listed.has(`${witness.protocol}/${port}`) || stillInUse.has(port),
      );
      return { ...witness, inUse };
    }),
  );
  const third = await readSockets({ procRoot: options.procRoot, signal: options.signal });
  return { results: confirmed, extraSockets: [...second.sockets, ...third.sockets] };
}
