// What `earshot watch` and `earshot agent` share: watch's options (store, intervals, baseline and
// what the periodic verify scans), parsed once into startWatch's terms, and the run until a signal:
// SIGTERM or Ctrl-C stop, SIGHUP re-reads the baseline.
import type { Command } from 'commander';
import { readBaseline } from '../verify/baseline-file.js';
import type { BaselineSource } from '../verify/verify.js';
import type { WatchVerifyOptions } from '../watch/periodic-verify.js';
import { defaultDbPath } from './history-store.js';
import { watchInterrupt } from './interrupt.js';
import { parseDuration, parsePortList } from './option-parsers.js';

/** Watch's options as commander hands them over. */
export interface WatchCliOptions {
  db?: string;
  interval: string;
  verifyEvery: string;
  retain: string;
  baseline?: string;
  ports: string;
  udp: boolean;
  udpPorts?: string;
  version: boolean;
  bind: boolean;
  interfaces?: boolean;
  procRoot?: string;
}

/** Watch's options, checked, in startWatch's terms. */
export interface WatchSettings {
  /** The history store's path. */
  database: string;
  intervalMs: number;
  verifyEveryMs: number;
  retainMs: number;
  baseline: BaselineSource | null;
  verify: WatchVerifyOptions;
  procRoot?: string;
}

/** Adds watch's options to `command` (watch and agent). */
export function addWatchOptions(command: Command): Command {
  return command
    .option(
      '--db <path>',
      'the history store (default /var/lib/earshot/earshot.db as root, else ~/.local/state/earshot/earshot.db)',
    )
    .option('--interval <duration>', 'how often to read the listening sockets', '1s')
    .option('--verify-every <duration>', 'how often to run a full verify (0: never)', '15m')
    .option('--retain <duration>', 'prune closed listeners, events and reports older than this', '90d')
    .option('--baseline <file>', 'verify against this approved baseline (SIGHUP re-reads it)')
    .option('-p, --ports <spec>', 'ports the periodic verify scans, nmap syntax', '1-65535')
    .option('--no-udp', 'the periodic verify skips the UDP scan')
    .option('--udp-ports <spec>', 'UDP ports the periodic verify scans (default: the -p ports)')
    .option('--no-version', 'the periodic verify does not probe open ports for their service')
    .option('--no-bind', 'the periodic verify skips the bind witness')
    .option('--interfaces', "the periodic verify also scans this host's interface addresses")
    .option('--proc-root <dir>', 'read the kernel tables from this procfs mount (default /proc)');
}

/** Checks watch's options (ERR_OPTION naming the bad one) and reads the baseline. */
export async function parseWatchOptions(options: WatchCliOptions): Promise<WatchSettings> {
  const ports = parsePortList(options.ports);
  const settings: WatchSettings = {
    database: options.db ?? defaultDbPath(),
    intervalMs: parseDuration(options.interval, '--interval'),
    verifyEveryMs: parseDuration(options.verifyEvery, '--verify-every'),
    retainMs: parseDuration(options.retain, '--retain'),
    verify: {
      ports,
      udpPorts: options.udp ? (options.udpPorts ? parsePortList(options.udpPorts) : ports) : null,
      detection: options.version ? 'unexplained' : 'none',
      bindWitness: options.bind,
      interfaces: options.interfaces ?? false,
    },
    baseline: null,
    ...(options.procRoot !== undefined ? { procRoot: options.procRoot } : {}),
  };
  if (options.baseline) settings.baseline = await readBaseline(options.baseline);
  return settings;
}

/** A daemon command's run: stopped by SIGTERM or Ctrl-C; SIGHUP re-reads --baseline. */
export interface DaemonSignals {
  /** Aborts on SIGTERM, SIGINT, or stdout's reader going away. */
  readonly signal: AbortSignal;
  /** True once stdout's reader is gone: print nothing more there. */
  readonly readerGone: boolean;
  /** Re-reads `baselinePath` on SIGHUP and hands it to `apply`; says what happened through `warn`. */
  reloadBaselineOnHup(
    baselinePath: string | undefined,
    apply: (baseline: BaselineSource) => void,
    warn: (message: string) => void,
  ): void;
  /** Removes every handler. */
  dispose(): void;
}

/** Installs the signal handlers of a daemon command. */
export function daemonSignals(): DaemonSignals {
  const interrupt = watchInterrupt();
  const stop = new AbortController();
  const onTerm = () => stop.abort();
  interrupt.signal.addEventListener('abort', onTerm, { once: true });
  process.on('SIGTERM', onTerm);
  let onHup: (() => void) | null = null;
  return {
    signal: stop.signal,
    get readerGone() {
      return interrupt.readerGone;
    },
    reloadBaselineOnHup(baselinePath, apply, warn) {
      onHup = () => {
        if (!baselinePath) return warn('SIGHUP: no --baseline to re-read');
        readBaseline(baselinePath).then(
          (next) => {
            apply(next);
            warn(
              `SIGHUP: re-read the baseline ${baselinePath} (${next.baseline.listeners.length} listeners); the next verify uses it`,
            );
          },
          (error: Error) => warn(`SIGHUP: kept the previous baseline: ${error.message}`),
        );
      };
      process.on('SIGHUP', onHup);
    },
    dispose() {
      process.off('SIGTERM', onTerm);
      if (onHup) process.off('SIGHUP', onHup);
      interrupt.dispose();
    },
  };
}
