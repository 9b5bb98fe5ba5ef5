// `earshot services`: look a port or a name up in /etc/services and IANA's registry, both ways.
import { Command } from 'commander';
import { loadServiceCatalog, type ServiceEntry } from '../../catalog/services.js';
import type { Protocol } from '../../model.js';
import { stringifySafeJson } from '../../report/safe-json.js';
import { escapeForTerminal } from '../../report/terminal-escape.js';
import { ExitCode } from '../exit-codes.js';
import { parseInteger } from '../option-parsers.js';

function formatEntry(entry: ServiceEntry): string {
  const aliases = entry.aliases.length > 0 ? ` (${entry.aliases.join(', ')})` : '';
  const description = entry.description ? `  ${entry.description}` : '';
  const source = entry.source === 'etc-services' ? '/etc/services' : 'IANA';
  return escapeForTerminal(
    `${`${entry.port}/${entry.protocol}`.padEnd(11)} ${entry.name}${aliases}  [${source}]${description}`,
  );
}

async function runServices(
  queries: string[],
  options: { servicesFile?: string; json?: boolean },
): Promise<void> {
  const catalog = await loadServiceCatalog(
    options.servicesFile ? { servicesPath: options.servicesFile } : {},
  );
  const results: { query: string; entries: ServiceEntry[] }[] = [];
  for (const query of queries) {
    let entries: ServiceEntry[];
    if (/^\d+$/.test(query)) {
      const port = parseInteger(query, 'port', 0, 65535);
      entries = (['tcp', 'udp'] as Protocol[])
        .map((protocol) => catalog.lookupPort(protocol, port))
        .filter((entry): entry is ServiceEntry => entry !== null);
    } else {
      entries = catalog.lookupName(query);
    }
    results.push({ query, entries });
  }
  if (options.json) {
    process.stdout.write(`${stringifySafeJson({ results })}\n`);
  } else {
    for (const { query, entries } of results) {
      if (entries.length === 0) {
        process.stdout.write(`${escapeForTerminal(query)}: no registered service\n`);
        continue;
      }
      for (const entry of entries) process.stdout.write(`${formatEntry(entry)}\n`);
    }
  }
  // Like grep: status 1 when any query found nothing, so scripts can test it.
  if (results.some((result) => result.entries.length === 0)) process.exitCode = ExitCode.notFound;
}

/** Builds the `services` command. */
export function servicesCommand(): Command {
  return new Command('services')
    .description('look ports up by number or services by name in /etc/services, then IANA')
    .argument('<query...>', 'port numbers (834) or service names (ssh)')
    .option('--services-file <path>', 'read this file instead of /etc/services')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Each answer names its source: /etc/services (this system's list) or IANA (the bundled registry,
used for ports /etc/services does not name). Exit status 1 when a query matched nothing.

Examples:
  earshot services 834        no registered service (the guide's mystery port)
  earshot services 22 111     ssh and sunrpc
  earshot services ypbind`,
    )
    .action(runServices);
}
