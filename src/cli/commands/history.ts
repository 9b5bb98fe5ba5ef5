// `earshot history`: the timeline of listeners (when each opened and closed, who held it), findings
// and events that watch and `verify --save` recorded.
import { Command, Option } from 'commander';
import type { HistoryReport, Protocol } from '../../model.js';
import { renderHistoryText } from '../../report/history-text.js';
import { stringifySafeJson } from '../../report/safe-json.js';
import { openStore } from '../../store/open-store.js';
import { VERSION } from '../../version.js';
import { defaultDbPath } from '../history-store.js';
import { parseInteger, parseSince } from '../option-parsers.js';

interface HistoryOptions {
  since: string;
  port?: string;
  protocol?: Protocol;
  json?: boolean;
  db?: string;
}

function runHistory(options: HistoryOptions): void {
  const since = parseSince(options.since);
  const port = options.port !== undefined ? parseInteger(options.port, '--port', 1, 65535) : undefined;
  const database = options.db ?? defaultDbPath();
  const store = openStore(database, { readOnly: true });
  let report: HistoryReport;
  try {
    const timeline = store.history({
      since,
      ...(port !== undefined ? { port } : {}),
      ...(options.protocol !== undefined ? { protocol: options.protocol } : {}),
    });
    report = { tool: 'earshot', version: VERSION, kind: 'history', database, since, ...timeline };
  } finally {
    store.close();
  }
  process.stdout.write(options.json ? `${stringifySafeJson(report)}\n` : renderHistoryText(report));
}

/** Builds the `history` command. */
export function historyCommand(): Command {
  return new Command('history')
    .description('show when listeners opened and closed, who held them, and what verify found (from watch)')
    .option('--since <when>', 'the window: a duration back from now (24h, 7d) or an ISO 8601 time', '24h')
    .option('--port <port>', 'only this port')
    .addOption(new Option('--protocol <protocol>', 'only this protocol').choices(['tcp', 'udp']))
    .option('--json', 'print {listeners, findings, events} as JSON')
    .option(
      '--db <path>',
      'the history store (default /var/lib/earshot/earshot.db as root, else ~/.local/state/earshot/earshot.db)',
    )
    .addHelpText(
      'after',
      `
Every listener interval that was open at any time in the window is listed, with each owner set it
had; then every finding interval, and the events. The store is only read (a copy when it sits on a
read-only disk).

Examples:
  earshot history                          the last 24 hours
  earshot history --since 7d --port 8080   one port over a week
  earshot history --since 2026-01-31T00:00:00Z --json`,
    )
    .action(runHistory);
}
