// verify as a library: pick this host's addresses, run the witnesses, hold them against each other
// and return the report. The CLI, watch and the fleet agent all call this one function.
import { hostname } from 'node:os';
import { loadServiceCatalog, type ServiceCatalog } from '../catalog/services.js';
import type { VerifyReport } from '../model.js';
import type { Baseline } from '../reconcile/baseline.js';
import { reconcile } from '../reconcile/reconcile.js';
import { interfaceAddresses } from '../scan/targets/own-addresses.js';
import { formatPortSpec } from '../scan/targets/ports.js';
import { prepareTargets } from '../scan/targets/targets.js';
import { VERSION } from '../version.js';
import { type DetectionScope, scannedProtocols } from './network.js';
import { gatherTestimony } from './witnesses.js';

/** The addresses verify scans when none are given: both loopbacks. */
export const DEFAULT_VERIFY_TARGETS: readonly string[] = ['127.0.0.1', '::1'];

/** A parsed baseline and where it came from (shown in the report's baseline witness). */
export interface BaselineSource {
  baseline: Baseline;
  source: string;
}

/** What verify is asked to do; every field has the CLI's default. */
export interface VerifyOptions {
  /** Addresses of this host to scan (default 127.0.0.1 and ::1). */
  targets?: readonly string[];
  /** Also scan every address of this host's interfaces (link-local IPv6 left out). */
  interfaces?: boolean;
  /** TCP ports to scan (default 1-65535). */
  ports?: readonly number[];
  /** UDP ports to scan (default: the TCP ports); null for no UDP scan. */
  udpPorts?: readonly number[] | null;
  /** Which open TCP ports to probe for their service (default `unexplained`). */
  detection?: DetectionScope;
  baseline?: BaselineSource | null;
  /** Run the bind witness (default true). */
  bindWitness?: boolean;
  /** Where procfs is mounted (default /proc). */
  procRoot?: string;
  catalog?: ServiceCatalog;
  /** The command line recorded in the report (default `['earshot', 'verify']`). */
  args?: readonly string[];
  /** Aborting stops the remaining witnesses; the report keeps what finished, marked interrupted. */
  signal?: AbortSignal;
  onProgress?: (progress: { done: number; total: number }) => void;
}

const ALL_PORTS: readonly number[] = Array.from({ length: 65535 }, (_, index) => index + 1);

/** Every target spec verify scans: the ones given (or both loopbacks), then the interfaces'. */
function targetSpecs(options: VerifyOptions): string[] {
  const specs =
    options.targets && options.targets.length > 0 ? [...options.targets] : [...DEFAULT_VERIFY_TARGETS];
  if (!options.interfaces) return specs;
  // Link-local IPv6 addresses are left out: they need a scope (an interface) earshot does not track.
  const extra = interfaceAddresses().filter(
    (address) => !address.toLowerCase().startsWith('fe80:') && !specs.includes(address),
  );
  return [...specs, ...extra];
}

/** Runs every witness against this host and returns the verdicts; never throws for an interrupt. */
export async function verify(options: VerifyOptions = {}): Promise<VerifyReport> {
  const startedAt = new Date();
  const ports = options.ports ?? ALL_PORTS;
  const targets = [...(await prepareTargets({ targets: targetSpecs(options) }))];
  const catalog = options.catalog ?? (await loadServiceCatalog());
  const baseline = options.baseline ?? null;
  const testimony = await gatherTestimony({
    targets,
    ports,
    procRoot: options.procRoot,
    bindWitness: options.bindWitness ?? true,
    udpPorts: options.udpPorts === undefined ? ports : options.udpPorts,
    detection: options.detection ?? 'unexplained',
    catalog,
    signal: options.signal ?? new AbortController().signal,
    onProgress: options.onProgress,
  });
  const result = reconcile({ ...testimony.input, baseline: baseline?.baseline ?? null });
  const endedAt = new Date();
  return {
    tool: 'earshot',
    version: VERSION,
    kind: 'verify',
    args: [...(options.args ?? ['earshot', 'verify'])],
    host: { hostname: hostname(), privileged: process.getuid?.() === 0 },
    scanned: {
      addresses: targets.map((target) => target.address),
      protocols: scannedProtocols(testimony.input.scannedPorts),
      portCount: ports.length,
      portSpec: formatPortSpec(ports),
    },
    witnesses: [
      ...testimony.witnesses,
      {
        witness: 'baseline',
        available: baseline !== null,
        detail: baseline
          ? `${baseline.source}: ${baseline.baseline.listeners.length} approved listeners`
          : 'no --baseline given',
      },
    ],
    ports: result.ports,
    findings: result.findings,
    summary: result.summary,
    stats: {
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      elapsedMs: endedAt.getTime() - startedAt.getTime(),
      interrupted: testimony.interrupted,
    },
  };
}
