// A second look at what a race between the witnesses can fake, before anything is judged. The
// witnesses read one moment each: a listener that closed between the table read and the owner walk
// shows "no owner (kernel socket)"; one that closed before the scan reached it shows "local-only"; one
// opened after the table read and closed before the bind witness looked makes an open answer no
// table explains, judged "forwarded-port". Under heavy churn (16,000 short-lived listeners) that was
// 75 false findings in one run.
//
// So, once the witnesses are done, in rounds: what is race-prone is probed once more (open answers no
// listener explains, listeners the scan did not reach, ports the bind witness found in use with no
// socket listed), then the tables are read once more (in that order, so that a socket alive at the
// probe is in the read), and
// - a socket of an ownerless or unreached row that is gone from the later read closed during the
//   run: it is left out; one still there takes the owners the later read found;
// - an answer that changed takes the state of the later probe (an open port that is closed now was a
//   listener that came and went; an unreached listener that answers now opened after the scan);
// - an answer still open, or a port still in use, is explained by a socket of the later read if any.
// A suspect that comes out the same from three rounds, at least ROUND_SPACING_MS apart, is taken as
// real: a real forward or hidden listener answers every time, a kernel socket has no owner every
// time, for seconds. Back-to-back rounds on a busy machine let a few through: a listener living a
// few tens of milliseconds whose owner walk raced its process's descriptor churn in every round.
// reconcile/ stays pure: this module does the I/O and hands it corrected testimony.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceCatalog } from '../catalog/services.js';
import { isListening } from '../inventory/proc-net.js';
import { readSockets } from '../inventory/read-sockets.js';
import type { Protocol, Socket } from '../model.js';
import { canonicalAddress } from '../reconcile/coverage.js';
import { type ReconcileInput, reconcile } from '../reconcile/reconcile.js';
import type { ScanTarget } from '../scan/targets/targets.js';
import { bindAgain, type Endpoint, endpointKey, probeAgain, withFreshPorts } from './recheck-probes.js';

/** What the re-check needs besides the testimony. */
export interface RecheckOptions {
  targets: readonly ScanTarget[];
  procRoot?: string;
  catalog: ServiceCatalog;
  signal: AbortSignal;
}

/** The corrected testimony and what the second look changed. */
export interface RecheckResult {
  input: Testimony;
  /** Sockets left out because they closed during the run. */
  closedSockets: number;
  /** Ownerless sockets whose owners a later read found. */
  ownersFound: number;
  /** Open answers that were closed (or filtered) on a later probe. */
  goneAnswers: number;
  /** Listeners the scan did not reach that answered a later probe. */
  lateAnswers: number;
  /** Ports the bind witness found in use, with no socket listed, that were free on a later probe. */
  freedPorts: number;
}

type Testimony = Omit<ReconcileInput, 'baseline'>;

const ROUNDS = 8;
const SAME_TIMES = 3;
/** Rounds after the first wait this long: what stays suspect over three rounds lived at least twice this. */
const ROUND_SPACING_MS = 150;

/** The race-prone parts of a judgement: rows to read again, endpoints and bound ports to probe again. */
interface Suspects {
  /** Ownerless or unreached listener rows, by endpoint key of the listening address. */
  rows: Set<string>;
  /** Open answers no listener explains. */
  answers: Endpoint[];
  /** Listeners the scan probed and did not reach, at each scanned address. */
  unreached: Endpoint[];
  boundPorts: { protocol: Protocol; port: number }[];
}

function findSuspects(input: Testimony): Suspects {
  const judged = reconcile({ ...input, baseline: null });
  const rows = new Set<string>();
  const unreached: Endpoint[] = [];
  for (const row of judged.ports) {
    if (!row.inKernelTable) continue;
    const localOnly = row.verdict.findings.includes('local-only');
    if (localOnly || (row.owners.length === 0 && row.ownerStatus?.kind === 'none'))
      rows.add(endpointKey(row.protocol, row.address, row.port));
    if (localOnly)
      for (const seen of row.network)
        unreached.push({ protocol: row.protocol, address: seen.address, port: row.port });
  }
  const answers = judged.findings
    .filter((finding) => finding.kind === 'forwarded-port' || finding.kind === 'hidden-listener')
    .map(({ protocol, address, port }) => ({ protocol, address, port }));
  const boundPorts = judged.findings
    .filter((finding) => finding.kind === 'hidden-bound-port')
    .map(({ protocol, port }) => ({ protocol, port }));
  return { rows, answers, unreached, boundPorts };
}

const socketKey = (socket: Socket): string =>
  endpointKey(socket.protocol, canonicalAddress(socket.localAddress).text, socket.localPort);

/** The bind witness without the ports only closed sockets explained (they held the port when probed). */
function withoutClosedPorts(
  bind: Testimony['bind'],
  closed: readonly Socket[],
  remaining: readonly Socket[],
): Testimony['bind'] {
  const held = new Set(remaining.map((socket) => `${socket.protocol}/${socket.localPort}`));
  const explained = new Set(
    closed.map((socket) => `${socket.protocol}/${socket.localPort}`).filter((key) => !held.has(key)),
  );
  if (explained.size === 0) return bind;
  return bind.map((witness) => ({
    ...witness,
    inUse: witness.inUse.filter((port) => !explained.has(`${witness.protocol}/${port}`)),
  }));
}

interface Round {
  next: Testimony;
  closed: number;
  owners: number;
  gone: number;
  found: number;
  freed: number;
}

/** One round: probe again, then read the tables, and apply both to the testimony. */
async function recheckOnce(
  current: Testimony,
  suspects: Suspects & { rowInodes: ReadonlySet<number> },
  options: RecheckOptions,
  sameAgain: (key: string) => void,
): Promise<Round> {
  const { answers, unreached, boundPorts, rowInodes } = suspects;
  const fresh = await probeAgain([...answers, ...unreached], options);
  const rebound = await bindAgain(current.bind, boundPorts, options.signal);
  // A port bound but never listened on is a TCP socket in state CLOSE: the whole table then.
  const later = await readSockets({
    procRoot: options.procRoot,
    listeningOnly: boundPorts.length === 0,
    signal: options.signal,
  });
  const laterByInode = new Map(later.sockets.map((socket) => [socket.inode, socket]));
  const closed: Socket[] = [];
  let owners = 0;
  const sockets = current.inventory.sockets.flatMap((socket): Socket[] => {
    if (!rowInodes.has(socket.inode)) return [socket];
    const again = laterByInode.get(socket.inode);
    if (again === undefined) {
      closed.push(socket);
      return [];
    }
    if (socket.owners.length > 0 || again.owners.length === 0) {
      sameAgain(`row ${socket.inode}`);
      return [socket];
    }
    owners++;
    return [{ ...socket, owners: again.owners, ownerStatus: again.ownerStatus, user: again.user }];
  });
  for (const endpoint of unreached) {
    const key = endpointKey(endpoint.protocol, endpoint.address, endpoint.port);
    if (fresh.get(key)?.state !== 'open') sameAgain(`unreached ${key}`);
  }
  // An answer still open, or a port still in use, may be a socket that opened after the first
  // read: this read has it. If not, it came out the same.
  const known = new Set(sockets.map((socket) => socket.inode));
  const stillHeld = [
    ...answers
      .map((answer) => ({
        ...answer,
        key: `answer ${endpointKey(answer.protocol, answer.address, answer.port)}`,
      }))
      .filter((answer) => fresh.get(answer.key.slice('answer '.length))?.state === 'open')
      .map((answer) => ({ ...answer, anyState: false })),
    ...boundPorts
      .filter(({ protocol, port }) =>
        rebound.bind.some((w) => w.protocol === protocol && w.inUse.includes(port)),
      )
      .map((entry) => ({ ...entry, key: `bound ${entry.protocol}/${entry.port}`, anyState: true })),
  ];
  for (const { protocol, port, key, anyState } of stillHeld) {
    const holders = later.sockets.filter(
      (socket) =>
        socket.protocol === protocol && socket.localPort === port && (anyState || isListening(socket)),
    );
    if (holders.length === 0) sameAgain(key);
    for (const socket of holders) {
      if (!known.has(socket.inode)) sockets.push(socket);
      known.add(socket.inode);
    }
  }
  const { hosts, gone, found } = withFreshPorts(current.hosts, fresh);
  const next = {
    ...current,
    hosts,
    inventory: { ...current.inventory, sockets },
    bind: withoutClosedPorts(rebound.bind, closed, sockets),
  };
  return { next, closed: closed.length, owners, gone, found, freed: rebound.freed };
}

/** Runs the second look; the testimony comes back unchanged when nothing in it is race-prone. */
export async function recheckRaces(input: Testimony, options: RecheckOptions): Promise<RecheckResult> {
  const untouched = (): RecheckResult => ({
    input,
    closedSockets: 0,
    ownersFound: 0,
    goneAnswers: 0,
    lateAnswers: 0,
    freedPorts: 0,
  });
  const result = untouched();
  if (options.signal.aborted) return result;
  const sameCount = new Map<string, number>();
  const sameAgain = (key: string) => sameCount.set(key, (sameCount.get(key) ?? 0) + 1);
  const unsettled = (key: string) => (sameCount.get(key) ?? 0) < SAME_TIMES;
  try {
    // Each round judges again, so that the open answer of a listener found closed in one round is
    // probed in the next.
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) await sleep(ROUND_SPACING_MS, undefined, { signal: options.signal });
      const all = findSuspects(result.input);
      const rowInodes = new Set(
        result.input.inventory.sockets
          .filter(
            (socket) =>
              isListening(socket) &&
              socket.inode !== 0 &&
              unsettled(`row ${socket.inode}`) &&
              all.rows.has(socketKey(socket)),
          )
          .map((socket) => socket.inode),
      );
      const open = (prefix: string) => (endpoint: Endpoint) =>
        unsettled(`${prefix} ${endpointKey(endpoint.protocol, endpoint.address, endpoint.port)}`);
      const suspects = {
        rows: all.rows,
        rowInodes,
        answers: all.answers.filter(open('answer')),
        unreached: all.unreached.filter(open('unreached')),
        boundPorts: all.boundPorts.filter((entry) => unsettled(`bound ${entry.protocol}/${entry.port}`)),
      };
      const work =
        rowInodes.size + suspects.answers.length + suspects.unreached.length + suspects.boundPorts.length;
      if (work === 0) break;
      const once = await recheckOnce(result.input, suspects, options, sameAgain);
      result.input = once.next;
      result.closedSockets += once.closed;
      result.ownersFound += once.owners;
      result.goneAnswers += once.gone;
      result.lateAnswers += once.found;
      result.freedPorts += once.freed;
    }
  } catch (error) {
    // Interrupted: the first look stands, as every witness keeps what finished.
    if (options.signal.aborted) return untouched();
    throw error;
  }
  return result;
}
