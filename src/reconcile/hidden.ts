// Answers the kernel table cannot explain: a port reachable with no listener behind it, and a port
// the kernel refuses to bind that no table lists. These are the rootkit pictures, and also what
// legitimate port forwarding looks like, so the evidence decides between them.
import type { AddressFamily, ConntrackEntry, Evidence, Protocol, Socket } from '../model.js';
import type { FindingDraft } from './findings.js';
import type { UnexplainedAnswer } from './join.js';

/** What the bind witness said for one protocol and family. */
export interface BindWitnessInput {
  protocol: Protocol;
  family: AddressFamily;
  available: boolean;
  unavailableReason: string | null;
  /** Ports whose bind() failed with EADDRINUSE. */
  inUse: readonly number[];
  /** Ports the probe could not test (EACCES below 1024 without root): neither in use nor free. */
  unknown: readonly number[];
}

/** The conntrack witness: entries, or why there are none. */
export interface ConntrackInput {
  available: boolean;
  detail: string;
  entries: readonly ConntrackEntry[];
}

/** True when the reply did not come from where the original was sent: NAT rewrote the destination. */
export function isTranslated(entry: ConntrackEntry): boolean {
  return (
    entry.reply.source !== entry.original.destination ||
    entry.reply.sourcePort !== entry.original.destinationPort
  );
}

function findBind(bind: readonly BindWitnessInput[], protocol: Protocol, family: AddressFamily) {
  return bind.find((witness) => witness.protocol === protocol && witness.family === family) ?? null;
}

/** Judges an open port no kernel listener receives: forwarded (with or without proof) or hidden. */
export function judgeUnexplained(
  answer: UnexplainedAnswer,
  bind: readonly BindWitnessInput[],
  conntrack: ConntrackInput,
): FindingDraft {
  const { protocol, port, address } = answer;
  const endpoint = `${port}/${protocol} on ${address.text}`;
  const base = { protocol, port, address: address.text };
  const evidence: Evidence[] = [
    {
      witness: 'network',
      detail: `${address.text}:${port} ${answer.observation.state} (${answer.observation.reason})`,
    },
    { witness: 'kernel', detail: `no listening socket for ${protocol} port ${port} in /proc/net` },
  ];
  const translation = conntrack.entries.find(
    (entry) =>
      entry.protocol === protocol &&
      entry.original.destination === address.text &&
      entry.original.destinationPort === port &&
      isTranslated(entry),
  );
  if (translation) {
    const target = `${translation.reply.source}:${translation.reply.sourcePort}`;
    evidence.push({
      witness: 'conntrack',
      detail: `connection to ${address.text}:${port} was translated to ${target}`,
    });
    return {
      ...base,
      kind: 'forwarded-port',
      message: `${endpoint} is forwarded by NAT to ${target}; nothing on this host listens on it directly.`,
      advice: `Check that the forwarding rule (iptables/nft nat table) to ${target} is intended.`,
      evidence,
    };
  }
  evidence.push({
    witness: 'conntrack',
    detail: conntrack.available ? 'no translated connection recorded' : conntrack.detail,
  });

  const witness = findBind(bind, protocol, address.family);
  const untestable = witness?.unknown.includes(port) ?? false;
  if (witness?.available && !untestable && !witness.inUse.includes(port)) {
    evidence.push({ witness: 'bind', detail: `port ${port} is free on this host (bind succeeded)` });
    return {
      ...base,
      kind: 'forwarded-port',
      message: `${endpoint} answers, yet nothing on this host holds the port: something in between answers for it (forwarding or a proxy), but no NAT record proves which.`,
      advice: 'Look for forwarding rules (iptables -t nat -S, nft list ruleset) or a transparent proxy.',
      evidence,
    };
  }
  evidence.push({
    witness: 'bind',
    detail: !witness?.available
      ? `bind witness unavailable${witness?.unavailableReason ? `: ${witness.unavailableReason}` : ''}; forwarding cannot be ruled out`
      : untestable
        ? `port ${port} could not be probed (a reserved port: run as root); forwarding cannot be ruled out`
        : `port ${port} is in use on this host (bind: EADDRINUSE)`,
  });
  return {
    ...base,
    kind: 'hidden-listener',
    message: `${endpoint} accepts connections, but the kernel socket table shown to earshot lists no listener for it.`,
    advice:
      'Treat as a possible intrusion: compare with a trusted boot medium, check for rootkits (LD_PRELOAD, kernel modules).',
    evidence,
  };
}

/** Ports the bind witness found in use that no socket of any state or family in the table holds. */
export function judgeBoundPorts(
  bind: readonly BindWitnessInput[],
  sockets: readonly Socket[],
  alreadyReported: ReadonlySet<string>,
): FindingDraft[] {
  const held = new Set(sockets.map((socket) => `${socket.protocol}/${socket.localPort}`));
  const drafts: FindingDraft[] = [];
  const seen = new Set<string>();
  for (const witness of bind) {
    if (!witness.available) continue;
    for (const port of witness.inUse) {
      const key = `${witness.protocol}/${port}`;
      if (held.has(key) || alreadyReported.has(key) || seen.has(key)) continue;
      seen.add(key);
      const wildcard = witness.family === 'ipv4' ? '0.0.0.0' : '::';
      drafts.push({
        kind: 'hidden-bound-port',
        protocol: witness.protocol,
        port,
        address: wildcard,
        message: `${port}/${witness.protocol} is in use (the kernel refused to bind it), but no socket table lists it.`,
        advice: 'Treat as a possible intrusion: a socket the /proc tables do not show is held on this host.',
        evidence: [
          { witness: 'bind', detail: `bind(${wildcard}:${port}) failed with EADDRINUSE` },
          { witness: 'kernel', detail: `no ${witness.protocol} socket with local port ${port} in any state` },
        ],
      });
    }
  }
  return drafts;
}
