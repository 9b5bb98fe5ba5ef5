// `earshot server token`: make (printed once, on the last line), list and revoke API tokens.
import { Command } from 'commander';
import { EarshotError } from '../../../errors.js';
import { createServerToken, listServerTokens, revokeServerTokens } from '../../../fleet/server/admin.js';
import { escapeForTerminal } from '../../../report/terminal-escape.js';

interface TokenOptions {
  db?: string;
  agent?: string;
  viewer?: string;
  admin?: string;
  list?: boolean;
  revoke?: string;
}

async function runToken(_options: TokenOptions, command: Command): Promise<void> {
  // `server --db X token` and `server token --db X` alike: commander may hand --db to either.
  const options = command.optsWithGlobals<TokenOptions>();
  const db = options.db;
  if (!db) throw new EarshotError('ERR_OPTION', 'Give --db (PostgreSQL, as for earshot server).');
  const chosen = [options.agent, options.viewer, options.admin, options.list, options.revoke].filter(
    (value) => value !== undefined,
  );
  if (chosen.length !== 1) {
    throw new EarshotError(
      'ERR_OPTION',
      'Give exactly one of --agent HOST, --viewer NAME, --admin NAME, --list, --revoke NAME.',
    );
  }
  if (options.list) {
    for (const token of await listServerTokens(db)) {
      const state = token.revokedAt ? `revoked ${token.revokedAt.toISOString()}` : 'live';
      process.stdout.write(
        `${escapeForTerminal(`${token.kind.padEnd(6)} ${token.name}  …${token.hint}  made ${token.createdAt.toISOString()}  ${state}`)}\n`,
      );
    }
    return;
  }
  if (options.revoke !== undefined) {
    const count = await revokeServerTokens(db, options.revoke);
    process.stdout.write(
      `revoked ${count} token${count === 1 ? '' : 's'} of ${escapeForTerminal(options.revoke)}\n`,
    );
    return;
  }
  const [kind, name] =
    options.agent !== undefined
      ? (['agent', options.agent] as const)
      : options.viewer !== undefined
        ? (['viewer', options.viewer] as const)
        : (['admin', options.admin!] as const);
  const secret = await createServerToken(db, kind, name);
  process.stderr.write(
    `A new ${kind} token for ${escapeForTerminal(name)}; it is shown this once, keep it secret:\n`,
  );
  process.stdout.write(`${secret}\n`);
}

/** Builds `server token`. */
export function serverTokenCommand(): Command {
  return new Command('token')
    .description('make, list or revoke API tokens (a new token is the last line printed, shown once)')
    .option('--db <url>', 'PostgreSQL, as for earshot server')
    .option(
      '--agent <host>',
      "a token for the agent of HOST: it may push that host's reports and events only",
    )
    .option('--viewer <name>', 'a read-only API token')
    .option('--admin <name>', 'a token that reads and acknowledges findings')
    .option('--list', 'list tokens (never their secrets)')
    .option('--revoke <name>', 'revoke every token made for this host or name')
    .addHelpText(
      'after',
      `
Examples:
  earshot server token --db postgresql:///earshot --agent web1 > /etc/earshot/agent.token
  earshot server token --db postgresql:///earshot --viewer grafana
  earshot server token --db postgresql:///earshot --revoke web1`,
    )
    .action(runToken);
}
