// `earshot watch`: report every listener that opens, closes or changes hands, and what a periodic
// verify finds, until SIGTERM or Ctrl-C. Wiring only: parse, open the store, startWatch, wait.
import { Command, Option } from 'commander';
import type { EarshotEvent } from '../../model.js';
import { renderEventLine } from '../../report/event-text.js';
import { stringifySafeJson } from '../../report/safe-json.js';
import { escapeForTerminal } from '../../report/terminal-escape.js';
import { openStore } from '../../store/open-store.js';
import { execSink } from '../../watch/sinks/exec.js';
import type { Sink } from '../../watch/sinks/sink.js';
import { syslogSink } from '../../watch/sinks/syslog.js';
import { webhookSink } from '../../watch/sinks/webhook.js';
import { startWatch } from '../../watch/start-watch.js';
import { ExitCode } from '../exit-codes.js';
import { addWatchOptions, daemonSignals, parseWatchOptions, type WatchCliOptions } from '../watch-options.js';

interface WatchCommandOptions extends WatchCliOptions {
  json?: boolean;
  webhook: string[];
  exec: string[];
  syslog: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

function buildSinks(options: WatchCommandOptions): Sink[] {
  return [
    ...options.webhook.map((url) => webhookSink({ url })),
    ...options.exec.map((command) => execSink({ command })),
    ...options.syslog.map((socketPath) => syslogSink({ socketPath })),
  ];
}

async function runWatch(options: WatchCommandOptions): Promise<void> {
  const settings = await parseWatchOptions(options);
  const sinks = buildSinks(options);
  const store = openStore(settings.database);
  const signals = daemonSignals();
  const warn = (message: string) => process.stderr.write(`earshot watch: ${escapeForTerminal(message)}\n`);
  const print = (event: EarshotEvent) => {
    if (signals.readerGone) return;
    process.stdout.write(options.json ? `${stringifySafeJson(event, 0)}\n` : `${renderEventLine(event)}\n`);
  };
  try {
    const watch = await startWatch({
      store,
      intervalMs: settings.intervalMs,
      verifyEveryMs: settings.verifyEveryMs,
      retainMs: settings.retainMs,
      verify: settings.verify,
      baseline: settings.baseline,
      sinks,
      ...(settings.procRoot !== undefined ? { procRoot: settings.procRoot } : {}),
      onEvent: print,
      onWarning: warn,
      signal: signals.signal,
    });
    signals.reloadBaselineOnHup(options.baseline, (next) => watch.setBaseline(next), warn);
    warn(
      `watching ${watch.listeners().length} listeners every ${options.interval}; verify every ${settings.verifyEveryMs > 0 ? options.verifyEvery : 'never'}; history in ${settings.database}`,
    );
    await watch.done;
  } finally {
    signals.dispose();
    store.close();
  }
  process.exitCode = ExitCode.ok;
}

/** Builds the `watch` command. */
export function watchCommand(): Command {
  return addWatchOptions(
    new Command('watch').description(
      'report listeners as they open, close or change owners, and run verify on a timer',
    ),
  )
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
    .addOption(
      new Option(
        '--syslog [socket]',
        'send each event as RFC 5424 to the syslog SOCKET, /dev/log when none is given (repeatable)',
      )
        .preset('/dev/log')
        .argParser(collect)
        .default([]),
    )
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
