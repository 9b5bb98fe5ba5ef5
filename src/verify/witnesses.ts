// Runs verify's witnesses in an order that keeps them from confusing each other: the kernel tables
// first, the bind witness beside the scan (ports the scan's own sockets hold meanwhile are re-checked
// once it is over), conntrack right after the scan (NAT records of its connections expire), and
// re-checks of any port the bind witness calls in use that no table lists (a short-lived connection
// elsewhere can hold one). An interrupt stops the remaining witnesses and keeps what finished.
import { loadRpcProgramCatalog } from '../catalog/rpc-programs.js';
import type { ServiceCatalog } from '../catalog/services.js';
import { readConntrack } from '../inventory/conntrack.js';
import { readSockets } from '../inventory/read-sockets.js';
import type { HostResult, Inventory, RpcRegistration, Socket, WitnessStatus } from '../model.js';
import type { ConntrackInput } from '../reconcile/hidden.js';
import type { ReconcileInput } from '../reconcile/reconcile.js';
import { queryPortmapper } from '../scan/rpc/portmapper.js';
import type { ScanTarget } from '../scan/targets/targets.js';
import {
  confirmSuspects,
  probeAllPorts,
  reprobeStarved,
  skippedBindWitness,
  toWitnessInput,
} from './bind-witness.js';
import { whenDescriptorsFree } from './descriptors.js';
import { type DetectionScope, runNetworkWitness } from './network.js';
import { type RecheckResult, recheckRaces } from './recheck.js';

/** "1 socket", "2 sockets". */
const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** What verify needs to run its witnesses. */
export interface WitnessOptions {
  targets: readonly ScanTarget[];
  ports: readonly number[];
  procRoot?: string;
  bindWitness: boolean;
  catalog: ServiceCatalog;
  signal: AbortSignal;
  /** UDP ports to scan as well, or null for TCP only. */
  udpPorts: readonly number[] | null;
  detection: DetectionScope;
  onProgress?: (progress: { done: number; total: number }) => void;
}

/** The witnesses' testimony, ready for the reconciler, plus how each witness fared. */
export interface Testimony {
  input: Omit<ReconcileInput, 'baseline'>;
  witnesses: WitnessStatus[];
  interrupted: boolean;
}

/** How long verify waits for the portmapper's whole answer. */
const RPC_TIMEOUT_MS = 2000;

function mergeSockets(inventory: Inventory, extra: readonly Socket[]): Inventory {
  const seen = new Set(
    inventory.sockets.map(
      (socket) => `${socket.protocol}/${socket.inode}/${socket.localAddress}/${socket.localPort}`,
    ),
  );
  const sockets = [...inventory.sockets];
  for (const socket of extra) {
    const key = `${socket.protocol}/${socket.inode}/${socket.localAddress}/${socket.localPort}`;
    if (seen.has(key)) continue;
    seen.add(key);
    sockets.push(socket);
  }
  return { ...inventory, sockets };
}

async function runRpcWitness(
  hosts: readonly HostResult[],
  signal: AbortSignal,
): Promise<{ rpc: RpcRegistration[]; status: WitnessStatus }> {
  // IPv4 first: portmap v2 answers there even where rpcbind v3/v4 are missing.
  const portmapperHost = [...hosts]
    .sort((a, b) => a.family.localeCompare(b.family))
    .find((host) =>
      host.ports.some((port) => port.protocol === 'tcp' && port.port === 111 && port.state === 'open'),
    );
  if (!portmapperHost) {
    return {
      rpc: [],
      status: { witness: 'rpc', available: false, detail: 'no portmapper answers on port 111' },
    };
  }
  try {
    const rpcPrograms = await loadRpcProgramCatalog();
    // A real portmapper on this host answers in milliseconds; something else on port 111 must not
    // hold the whole verify up for long.
    const rpc = await whenDescriptorsFree(
      () =>
        queryPortmapper({
          address: portmapperHost.address,
          rpcPrograms,
          signal,
          timeoutMs: RPC_TIMEOUT_MS,
        }),
      signal,
    );
    return {
      rpc,
      status: {
        witness: 'rpc',
        available: true,
        detail: `portmapper on ${portmapperHost.address}:111 lists ${count(rpc.length, 'registration')}`,
      },
    };
  } catch (error) {
    if (signal.aborted) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return {
      rpc: [],
      status: { witness: 'rpc', available: false, detail: `portmapper query failed: ${message}` },
    };
  }
}

/** What the second look changed, for the kernel witness's line; empty when nothing. */
function describeRecheck(result: RecheckResult): string {
  const changes = [
    result.closedSockets > 0 ? `${count(result.closedSockets, 'socket')} closed during the run left out` : '',
    result.ownersFound > 0 ? `owners of ${count(result.ownersFound, 'socket')} found on a second read` : '',
    result.goneAnswers > 0 ? `${count(result.goneAnswers, 'open answer')} gone on a second probe` : '',
    result.lateAnswers > 0
      ? `${count(result.lateAnswers, 'listener')} the scan missed answered a second probe`
      : '',
    result.freedPorts > 0 ? `${count(result.freedPorts, 'port')} in use, then free on a second bind()` : '',
  ].filter(Boolean);
  return changes.length > 0 ? `; ${changes.join('; ')}` : '';
}

/** Runs every witness and returns what they saw. */
export async function gatherTestimony(options: WitnessOptions): Promise<Testimony> {
  const { signal } = options;
  const firstRead = await readSockets({ procRoot: options.procRoot, signal });
  // The bind witness runs beside the scan: ports the scan's own sockets hold while it runs are
  // suspects that confirmSuspects clears once the scan is over.
  const probing = options.bindWitness
    ? probeAllPorts(signal).catch((error: unknown) => {
        if (signal.aborted) return skippedBindWitness('interrupted');
        throw error;
      })
    : Promise.resolve(skippedBindWitness('skipped (--no-bind)'));
  probing.catch(() => undefined);

  let conntrack: ConntrackInput = { available: false, detail: 'not read', entries: [] };
  const network = await runNetworkWitness({
    targets: options.targets,
    tcpPorts: options.ports,
    udpPorts: options.udpPorts,
    detection: options.detection,
    catalog: options.catalog,
    signal,
    onProgress: options.onProgress,
    afterTcp: async () => {
      conntrack = await readConntrack({ procRoot: options.procRoot });
    },
  });
  const { hosts, interrupted } = network;
  const [{ rpc, status: rpcStatus }, bind] = await Promise.all([
    interrupted
      ? { rpc: [], status: { witness: 'rpc' as const, available: false, detail: 'interrupted' } }
      : runRpcWitness(hosts, signal),
    probing
      .then((answers) => reprobeStarved(answers, signal))
      .then((answers) => confirmSuspects(answers.map(toWitnessInput), firstRead, options)),
  ]);
  const rechecked = await recheckRaces(
    {
      hosts,
      scannedPorts: network.scannedPorts,
      detected: network.detected,
      inventory: mergeSockets(firstRead, bind.extraSockets),
      bind: bind.results,
      rpc,
      conntrack,
      catalog: options.catalog,
    },
    { targets: options.targets, procRoot: options.procRoot, catalog: options.catalog, signal },
  );
  const { inventory } = rechecked.input;
  const bindAvailable = bind.results.filter((witness) => witness.available);
  const witnesses: WitnessStatus[] = [
    {
      witness: 'network',
      available: hosts.length > 0,
      detail: `TCP connect scan of ${options.targets.map((target) => target.address).join(', ')}, ${count(options.ports.length, 'port')}${
        options.udpPorts ? `; UDP scan, ${count(options.udpPorts.length, 'port')}` : '; no UDP scan'
      }${network.detected.length > 0 ? `; ${count(network.detected.length, 'service')} identified by probing` : ''}${interrupted ? ' (interrupted)' : ''}`,
    },
    {
      witness: 'kernel',
      available: true,
      detail: `${count(inventory.sockets.length, 'socket')} read from /proc${
        inventory.complete ? '' : '; some owners unreadable (run as root)'
      }${describeRecheck(rechecked)}`,
    },
    {
      witness: 'bind',
      available: bindAvailable.length > 0,
      detail:
        bindAvailable.length === bind.results.length
          ? 'every TCP and UDP port probed with bind(), IPv4 and IPv6'
          : [
              ...new Set(
                bind.results
                  .filter((w) => !w.available)
                  .map((w) => `${w.protocol}/${w.family}: ${w.unavailableReason}`),
              ),
            ].join('; '),
    },
    rpcStatus,
    { witness: 'conntrack', available: conntrack.available, detail: conntrack.detail },
  ];
  return {
    input: rechecked.input,
    witnesses,
    interrupted,
  };
}
