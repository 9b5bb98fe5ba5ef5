// `earshot agent`: watch this host and push every event, and a snapshot every few minutes, to the
// fleet server. Wiring only: parse, read the token and CA files, open the store, startAgent, wait.
import { Command } from 'commander';
import { parseServerUrl, readCaFile, readTokenFile } from '../../../fleet/agent/credentials.js';
import { type AgentHandle, startAgent } from '../../../fleet/agent/start-agent.js';
import { escapeForTerminal } from '../../../report/terminal-escape.js';
import { openStore } from '../../../store/open-store.js';
import { ExitCode } from '../../exit-codes.js';
import { parseDuration } from '../../option-parsers.js';
import {
  addWatchOptions,
  daemonSignals,
  parseWatchOptions,
  type WatchCliOptions,
} from '../../watch-options.js';

interface AgentCliOptions extends WatchCliOptions {
  server: string;
  tokenFile: string;
  ca?: string;
  snapshotEvery: string;
}

async function runAgent(options: AgentCliOptions): Promise<void> {
  const server = parseServerUrl(options.server);
  const snapshotEveryMs = parseDuration(options.snapshotEvery, '--snapshot-every');
  const settings = await parseWatchOptions(options);
  const token = await readTokenFile(options.tokenFile);
  const ca = options.ca !== undefined ? await readCaFile(options.ca) : undefined;
  const store = openStore(settings.database);
  const signals = daemonSignals();
  const say = (message: string) => process.stderr.write(`earshot agent: ${escapeForTerminal(message)}\n`);
  // Said once when pushes first go through, and again when they do after a failure.
  let pushesFailing = true;
  let agent: AgentHandle | undefined;
  try {
    const started = await startAgent({
      store,
      server: server.href,
      token,
      ...(ca !== undefined ? { ca } : {}),
      snapshotEveryMs,
      intervalMs: settings.intervalMs,
      verifyEveryMs: settings.verifyEveryMs,
      retainMs: settings.retainMs,
      verify: settings.verify,
      baseline: settings.baseline,
      ...(settings.procRoot !== undefined ? { procRoot: settings.procRoot } : {}),
      onWarning: (message) => {
        if (message.startsWith('push to ')) pushesFailing = true;
        say(message);
      },
      onPushed: () => {
        if (!pushesFailing) return;
        pushesFailing = false;
        say(`the server takes pushes; ${agent?.pending() ?? 'some'} events still queued`);
      },
      signal: signals.signal,
    });
    agent = started;
    signals.reloadBaselineOnHup(options.baseline, (next) => started.watch.setBaseline(next), say);
    say(
      `watching ${started.watch.listeners().length} listeners every ${options.interval}, pushing to ${server.href} (snapshot every ${options.snapshotEvery}; verify every ${settings.verifyEveryMs > 0 ? options.verifyEvery : 'never'}); history and queue in ${settings.database}`,
    );
    await started.done;
  } finally {
    signals.dispose();
    store.close();
  }
  process.exitCode = ExitCode.ok;
}

/** Builds the `agent` command. */
export function agentCommand(): Command {
  return addWatchOptions(
    new Command('agent')
      .description('watch this host and push its events and snapshots to an earshot server')
      .requiredOption('--server <url>', 'the earshot server, https://host:port')
      .requiredOption(
        '--token-file <file>',
        "file holding this host's agent token (earshot server token --agent HOST); not readable by every user",
      )
      .option('--ca <file>', "PEM CA certificate that signed the server's certificate")
      .option('--snapshot-every <duration>', 'how often to push a full snapshot of the host', '5m'),
  )
    .addHelpText(
      'after',
      `
The agent runs earshot watch and pushes every event as it happens, and a snapshot of the host (its
listeners with owners, the findings and verify report of the last periodic verify) at start and every
--snapshot-every. While the server is away, events wait in the history store (--db) and go, in
order, once it is back; a restart of the agent keeps them. A token the server refuses stops the
agent (exit status 64).

Signals: SIGTERM or Ctrl-C stop the agent (queued events get 5 s to go out; the rest wait in the
store), exit status 0. SIGHUP re-reads --baseline.

Examples:
  earshot agent --server https://fleet.internal:8443 --token-file /etc/earshot/agent.token
  earshot agent --server https://10.0.0.5:8443 --token-file /etc/earshot/agent.token --ca /etc/earshot/ca.pem`,
    )
    .action(runAgent);
}
