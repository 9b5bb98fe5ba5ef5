// The raw-socket parts of `earshot scan`: -sS (SYN scan) needs raw sockets and says so; -O adds
// an OS guess to each up host from its SYN-ACK and RST (raw) and banner hints, or says what it lacks.
import { EarshotError } from '../../errors.js';
import type { HostResult } from '../../model.js';
import { bannerHintsOf, guessOs, type OsEvidence, pickOsProbePorts, probeOsEvidence } from './os-guess.js';
import { openRawTcp, type RawTcp, type RawTcpResult } from './raw-tcp.js';
import type { SynProbeResult } from './syn-scan.js';

/** Raw sockets for this scan: the socket, or why there is none. */
export interface RawSession {
  /** The raw socket (opened on first use under -O alone), or null with `unavailable` saying why. */
  readonly raw: RawTcp | null;
  readonly unavailable: string | null;
  /** SYN answers of -sS by address, reused as OS evidence. */
  synResults: Map<string, SynProbeResult>;
  close(): void;
}

/** Opens raw sockets when -sS or -O asks for them; -sS without them is a usage error. */
export function openRawSession(options: { syn: boolean; osGuess: boolean }): RawSession | null {
  if (!options.syn && !options.osGuess) return null;
  // A raw TCP socket hears every TCP segment of the host: under -O alone, open it only once the
  // ports are scanned, so the connect scan's own traffic does not flow through it.
  let opened: RawTcpResult | null = null;
  const open = () => {
    opened ??= openRawTcp();
    return opened;
  };
  if (options.syn) {
    const result = open();
    if (!result.ok) {
      throw new EarshotError(
        'ERR_OPTION',
        `-sS needs raw sockets, which are unavailable (${result.reason}); use -sT (the default connect scan) instead.`,
      );
    }
  }
  return {
    get raw() {
      const result = open();
      return result.ok ? result.raw : null;
    },
    get unavailable() {
      const result = open();
      return result.ok ? null : result.reason;
    },
    synResults: new Map(),
    close: () => {
      if (opened?.ok) opened.raw.close();
    },
  };
}

/** Adds `os` to an up host: raw evidence (IPv4, when available) and banner hints. */
export async function addOsGuess(
  host: HostResult,
  session: RawSession,
  scannedTcpPorts: readonly number[],
  signal: AbortSignal,
): Promise<void> {
  if (host.status !== 'up') return;
  const evidence: OsEvidence = { bannerHints: bannerHintsOf(host) };
  const syn = session.synResults.get(host.address);
  if (!session.raw) evidence.rawUnavailable = session.unavailable ?? 'unknown reason';
  else if (host.family === 'ipv6')
    evidence.rawUnavailable = 'IPv6: earshot reads TCP/IP evidence over IPv4 only';
  else if (syn) {
    if (syn.synAck) evidence.synAck = { port: syn.synAck.sourcePort, reply: syn.synAck };
    if (syn.rst) evidence.rst = { port: syn.rst.sourcePort, reply: syn.rst };
  } else {
    Object.assign(
      evidence,
      await probeOsEvidence(session.raw, host.address, pickOsProbePorts(host, scannedTcpPorts), { signal }),
    );
  }
  host.os = guessOs(evidence);
}
