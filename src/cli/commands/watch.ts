// `earshot watch`: report every listener that opens, closes or changes hands, and what a periodic
// verify finds, until SIGTERM or Ctrl-C. Wiring only: parse, open the store, startWatch, wait.
import { Command } from 'commander';
import type { EarshotEvent } from '../../model.js';
import { renderEventLine } from '../../report/event-text.js';
import { stringifySafeJson } from '../../report/safe-json.js';
import { escapeForTerminal } from '../../report/terminal-escape.js';
import { openStore } from '../../store/open-store.js';
import { readBaseline } from '../../verify/baseline-file.js';
import { execSink } from '../../watch/sinks/exec.js';
import type { Sink } from '../../watch/sinks/sink.js';
import { syslogSink } from '../../watch/sinks/syslog.js';
import { webhookSink } from '../../watch/sinks/webhook.js';
import { startWatch } from '../../watch/start-watch.js';
import { ExitCode } from '../exit-codes.js';
import { defaultDbPath } from '../history-store.js';
import { watchInterrupt } from '../interrupt.js';
import { parseDuration, parsePortList } from '../option-parsers.js';

interface WatchCliOptions {
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
  json?: boolean;
  webhook: string[];
  exec: string[];
  syslog?: boolean | string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function buildSinks(options: WatchCliOptions): Sink[] {
  return [
    ...options.webhook.map((url) => webhookSink({ url })),
    ...options.exec.map((command) => execSink({ command })),
    ...(options.syslog
      ? [syslogSink({ socketPath: typeof options.syslog === 'string' ? options.syslog : '/dev/log' })]
      : []),
  ];
}

async function runWatch(options: WatchCliOptions): Promise<void> {
  const intervalMs = parseDuration(options.interval, '--interval');
  const verifyEveryMs = parseDuration(options.verifyEvery, '--verify-every');
  const retainMs = parseDuration(options.retain, '--retain');
  const ports = parsePortList(options.ports);
  const sinks = buildSinks(options);
  let baseline = options.baseline ? await readBaseline(options.baseline) : null;
  const database = options.db ?? defaultDbPath();
  const store = openStore(database);
  const interrupt = watchInterrupt();
  const stop = new AbortController();
  const onTerm = () => stop.abort();
  interrupt.signal.addEventListener('abort', onTerm, { once: true });
  const warn = (message: string) => process.stderr.write(`earshot watch: ${escapeForTerminal(message)}\n`);
  const print = (event: EarshotEvent) => {
    if (interrupt.readerGone) return;
    process.stdout.write(options.json ? `${stringifySafeJson(event, 0)}\n` : `${renderEventLine(event)}\n`);
  };
  process.on('SIGTERM', onTerm);
  try {
    const watch = await startWatch({
      store,
      intervalMs,
      verifyEveryMs,
      retainMs,
      verify: {
        ports,
        udpPorts: options.udp ? (options.udpPorts ? parsePortList(options.udpPorts) : ports) : null,
        detection: options.version ? 'unexplained' : 'none',
        bindWitness: options.bind,
        interfaces: options.interfaces ?? false,
      },
      baseline,
      sinks,
      ...(options.procRoot !== undefined ? { procRoot: options.procRoot } : {}),
      onEvent: print,
      onWarning: warn,
      signal: stop.signal,
    });
    const onHup = () => {
      if (!options.baseline) return warn('SIGHUP: no --baseline to re-read');
      readBaseline(options.baseline).then(
        (next) => {
          baseline = next;
          watch.setBaseline(next);
          warn(
            `SIGHUP: re-read the baseline ${options.baseline} (${next.baseline.listeners.length} listeners); the next verify uses it`,
          );
        },
        (error: Error) => warn(`SIGHUP: kept the previous baseline: ${error.message}`),
      );
    };
    process.on('SIGHUP', onHup);
    warn(
      `watching ${watch.listeners().length} listeners every ${options.interval}; verify every ${verifyEveryMs > 0 ? options.verifyEvery : 'never'}; history in ${database}`,
    );
    try {
      await watch.done;
    } finally {
      process.off('SIGHUP', onHup);
    }
  } finally {
    process.off('SIGTERM', onTerm);
    interrupt.dispose();
    store.close();
  }
  process.exitCode = ExitCode.ok;
}

/** Builds the `watch` command. */
export function watchCommand(): Command {
  return new Command('watch')
    .description('report listeners as they open, close or change owners, and run verify on a timer')
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
    .option('--proc-root <dir>', 'read the kernel tables from this procfs mount (default /proc)')
    .option('--json', 'print each event as one JSON object a line')
    .option(
      '--webhook <url>',
      'POST each event as JSON to URL (repeatable; kept and retried while it is down)',
      collect,
      [],
    )
    .option(
      '--exec <command>',
      'run COMMAND for each event, the event JSON on its stdin (repeatable)',
      collect,
      [],
    )
    .option('--syslog [socket]', 'send each event to syslog as RFC 5424 (default socket /dev/log)')
    .addHelpText(
      'after',
      `
Events: listener-opened, listener-closed, owners-changed (each poll), finding, finding-cleared and
verify (each periodic verify). Every event is recorded in the history store (earshot history) and
queued there for each sink, so a webhook that is down, or a restart of watch, loses nothing.

Signals: SIGTERM or Ctrl-C stop watch (queued events get 5 s to go out; the rest wait in the store),
exit status 0. SIGHUP re-reads --baseline.

Examples:
  earshot watch                                       human lines on stdout
  earshot watch --json --webhook http://127.0.0.1:9000/hook
  earshot watch --baseline /etc/earshot/baseline.yaml --syslog --verify-every 1h`,
    )
    .action(runWatch);
}
