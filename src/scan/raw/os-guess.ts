// The OS guess (-O): scores earshot's stack signatures against what the host showed — the SYN-ACK
// of an open port, the RST of a closed one (raw sockets), and OS names in service banners — and
// says how sure it is, with the evidence. "Not enough evidence" is an answer too.
import type { HostResult, OsGuess, OsMatch } from '../../model.js';
import { resolveTiming } from '../engine/timing.js';
import { OS_SIGNATURES, type OsSignature } from './os-signatures.js';
import type { RawTcp, TcpReply } from './raw-tcp.js';
import { runSynProbes } from './syn-scan.js';

/** What the guess is made from; every part is optional. */
export interface OsEvidence {
  /** The SYN-ACK of an open port, and which port. */
  synAck?: { port: number; reply: TcpReply } | null;
  /** The RST of a closed port, and which port. */
  rst?: { port: number; reply: TcpReply } | null;
  /** OS names found in banners (from -sV), e.g. "Debian" from an SSH banner, with where. */
  bannerHints?: readonly { os: string; source: string }[];
  /** Why raw evidence is missing ("raw sockets unavailable (...)"), to say so in the answer. */
  rawUnavailable?: string;
}

// Initial TTLs in use: an answer's TTL is one of these minus the hops it crossed.
const INITIAL_TTLS = [32, 64, 128, 255];
const MATCHES_SHOWN = 3;
const MIN_CONFIDENCE = 30;

/** The initial TTL an observed TTL most likely started from. */
export function initialTtlOf(ttl: number): number {
  return INITIAL_TTLS.find((initial) => ttl <= initial) ?? 255;
}

const describeReply = (kind: string, port: number, reply: TcpReply): string => {
  const initial = initialTtlOf(reply.ttl);
  const parts = [
    `${kind} from ${port}/tcp: TTL ${reply.ttl} (initial ${initial}, ${initial - reply.ttl} hops)`,
    `window ${reply.window}`,
  ];
  if (reply.mss !== null) parts.push(`MSS ${reply.mss}`);
  if (reply.optionOrder) parts.push(`options ${reply.optionOrder}`);
  if (reply.windowScale !== null) parts.push(`window scale ${reply.windowScale}`);
  if (kind === 'SYN-ACK') parts.push(`timestamps ${reply.timestamps ? 'yes' : 'no'}`);
  parts.push(`DF ${reply.dontFragment ? 'yes' : 'no'}`);
  return parts.join(', ');
};

/** Points a signature earns against the evidence, out of the points the evidence can give. */
function score(signature: OsSignature, evidence: OsEvidence): { points: number; possible: number } {
  let points = 0;
  let possible = 0;
  const add = (weight: number, earned: number) => {
    possible += weight;
    points += earned;
  };
  const synAck = evidence.synAck?.reply;
  if (synAck) {
    add(3, initialTtlOf(synAck.ttl) === signature.initialTtl ? 3 : 0);
    const sameSet =
      [...synAck.optionOrder.split(',')].sort().join() ===
      [...signature.optionOrder.split(',')].sort().join();
    add(4, synAck.optionOrder === signature.optionOrder ? 4 : sameSet ? 1 : 0);
    add(1, synAck.windowScale !== null && signature.windowScales.includes(synAck.windowScale) ? 1 : 0);
    add(1, synAck.timestamps === signature.timestamps ? 1 : 0);
    add(2, signature.synAckWindows.includes(synAck.window) ? 2 : 0);
    add(1, synAck.dontFragment === signature.dontFragment ? 1 : 0);
  }
  const rst = evidence.rst?.reply;
  if (rst) {
    // The SYN-ACK already weighed the TTL; a RST alone still tells it.
    if (!synAck) add(3, initialTtlOf(rst.ttl) === signature.initialTtl ? 3 : 0);
    add(1, rst.window === signature.rstWindow ? 1 : 0);
  }
  const hints = evidence.bannerHints ?? [];
  if (hints.length > 0) {
    const named = hints.some((hint) =>
      signature.bannerWords.some((word) => hint.os.toLowerCase().includes(word)),
    );
    add(3, named ? 3 : 0);
  }
  return { points, possible };
}

/** Scores every signature and returns the best matches with the evidence, or why there is none. */
export function guessOs(evidence: OsEvidence): OsGuess {
  const lines: string[] = [];
  if (evidence.synAck) lines.push(describeReply('SYN-ACK', evidence.synAck.port, evidence.synAck.reply));
  if (evidence.rst) lines.push(describeReply('RST', evidence.rst.port, evidence.rst.reply));
  for (const hint of evidence.bannerHints ?? []) lines.push(`banner: ${hint.os} (${hint.source})`);
  const notes: string[] = [];
  if (evidence.rawUnavailable) notes.push(`raw sockets unavailable (${evidence.rawUnavailable})`);
  const matches: OsMatch[] = [];
  for (const signature of OS_SIGNATURES) {
    const { points, possible } = score(signature, evidence);
    if (possible === 0) continue;
    const confidence = Math.round((100 * points) / possible);
    if (confidence >= MIN_CONFIDENCE)
      matches.push({ name: signature.name, family: signature.family, confidence });
  }
  matches.sort((a, b) => b.confidence - a.confidence);
  const guess: OsGuess = { matches: matches.slice(0, MATCHES_SHOWN), evidence: lines };
  if (guess.matches.length === 0) notes.push('not enough evidence');
  else if (!evidence.synAck && !evidence.rst) notes.push('banners only: no TCP/IP evidence');
  if (notes.length > 0) guess.note = notes.join('; ');
  return guess;
}

/**
 * Gathers the raw evidence of one IPv4 host: a SYN to `openPort` (its SYN-ACK) and one to
 * `closedPort` (its RST), each retried; either may stay missing.
 */
export async function probeOsEvidence(
  raw: RawTcp,
  address: string,
  ports: { openPort?: number; closedPort?: number },
  options: { signal?: AbortSignal } = {},
): Promise<Pick<OsEvidence, 'synAck' | 'rst'>> {
  const wanted = [ports.openPort, ports.closedPort].filter((port): port is number => port !== undefined);
  if (wanted.length === 0) return {};
  const timing = resolveTiming(3, { maxRetries: 2 });
  const result = await runSynProbes(raw, address, wanted, timing, options);
  return {
    synAck: result.synAck ? { port: result.synAck.sourcePort, reply: result.synAck } : null,
    rst: result.rst ? { port: result.rst.sourcePort, reply: result.rst } : null,
  };
}

/**
 * The ports to take the OS evidence from, given a host's TCP results over `scanned` ports: the
 * first open one, and a closed one (listed, or folded into "Not shown" as closed).
 */
export function pickOsProbePorts(
  host: Pick<HostResult, 'ports' | 'extraPorts'>,
  scanned: readonly number[],
): { openPort?: number; closedPort?: number } {
  const tcp = host.ports.filter((p) => p.protocol === 'tcp');
  const picked: { openPort?: number; closedPort?: number } = {};
  const open = tcp.find((p) => p.state === 'open');
  if (open) picked.openPort = open.port;
  const closed = tcp.find((p) => p.state === 'closed');
  if (closed) picked.closedPort = closed.port;
  else if (host.extraPorts.some((extra) => extra.state === 'closed' && (extra.protocol ?? 'tcp') === 'tcp')) {
    const listed = new Set(tcp.map((p) => p.port));
    const folded = scanned.find((port) => !listed.has(port));
    if (folded !== undefined) picked.closedPort = folded;
  }
  return picked;
}

/** OS names a banner engine left on a host (`osHints`: strings, or objects with `os`/`name`). */
export function bannerHintsOf(host: object): { os: string; source: string }[] {
  const raw = (host as { osHints?: unknown }).osHints;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((hint: unknown) => {
    if (typeof hint === 'string') return [{ os: hint, source: 'banner' }];
    if (typeof hint === 'object' && hint !== null) {
      const record = hint as Record<string, unknown>;
      const os = record.os ?? record.name;
      const source = record.source ?? record.port ?? 'banner';
      if (typeof os === 'string') return [{ os, source: String(source) }];
    }
    return [];
  });
}
