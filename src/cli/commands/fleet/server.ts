// `earshot server`: the fleet server (API and dashboard) on PostgreSQL, until SIGINT or SIGTERM;
// `server token` and `server user` manage who may use it.
import { Command } from 'commander';
import { EarshotError } from '../../../errors.js';
import { type ServerOptions, startServer } from '../../../fleet/server/server.js';
import { escapeForTerminal } from '../../../report/terminal-escape.js';
import { parseDuration, parseInteger } from '../../option-parsers.js';
import { serverTokenCommand } from './server-token.js';
import { serverUserCommand } from './server-user.js';

/** The server's options as commander hands them over. */
export interface ServeOptions {
  db?: string;
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  rateLimit: string;
  silentAfter: string;
  retain: string;
}

/** `127.0.0.1:8080`, `[::1]:8443` or `0.0.0.0:8080` → host and port. */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new EarshotError(
      'ERR_OPTION',
      `Invalid --listen "${value}": write ADDRESS:PORT, such as 127.0.0.1:8080 or [::1]:8443.`,
    );
  }
  return { host: (match[1] ?? match[2])!, port };
}

/** The server's options in startServer's terms, checked with the parsers every command shares. */
export function parseServeOptions(options: ServeOptions): Omit<ServerOptions, 'onError'> {
  if (!options.db)
    throw new EarshotError('ERR_OPTION', 'Give --db: the PostgreSQL database to keep the fleet in.');
  if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) {
    throw new EarshotError(
      'ERR_OPTION',
      'Give --tls-cert and --tls-key together (or neither, for plain HTTP).',
    );
  }
  const { host, port } = parseListen(options.listen);
  return {
    db: options.db,
    host,
    port,
    tls: options.tlsCert ? { certFile: options.tlsCert, keyFile: options.tlsKey! } : undefined,
    rateLimitPerMinute: parseInteger(options.rateLimit, '--rate-limit', 1, 1_000_000),
    silentAfterMs: parseDuration(options.silentAfter, '--silent-after', { minMs: 1000 }),
    retainDays: parseInteger(options.retain, '--retain', 1, 36_500),
  };
}

async function runServer(options: ServeOptions): Promise<void> {
  const server = await startServer({
    ...parseServeOptions(options),
    onError: (error) =>
      process.stderr.write(
        `earshot server: ${escapeForTerminal(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`,
      ),
  });
  process.stdout.write(`earshot server listening on ${server.url} (schema version ${server.migration.to})\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
}

/** Builds the `server` command. */
export function serverCommand(): Command {
  return (
    new Command('server')
      .description('run the fleet server: the API agents push to, and the dashboard (PostgreSQL)')
      // Not "required": commander would then ask for it before `server token --db ...` too.
      .option(
        '--db <url>',
        'PostgreSQL: postgresql://USER@HOST/DB, postgresql:///DB?host=/run/postgresql, or a socket folder',
      )
      .option('--listen <address:port>', 'where to listen', '127.0.0.1:8080')
      .option('--tls-cert <file>', 'PEM certificate (with --tls-key: serve HTTPS)')
      .option('--tls-key <file>', 'PEM private key')
      .option('--rate-limit <n>', 'requests per minute one token or session may make', '600')
      .option('--silent-after <duration>', 'an agent not heard from for this long is silent', '15m')
      .option('--retain <days>', 'days of reports, events and cleared findings to keep', '30')
      .addHelpText(
        'after',
        `
The schema is created or migrated at start. Tokens and users: earshot server token, earshot server
user. Stops on SIGINT or SIGTERM. See docs/fleet/fleet.md.

Examples:
  earshot server --db postgresql:///earshot?host=/var/run/postgresql
  earshot server --db postgresql://earshot@db.internal/earshot --listen 0.0.0.0:8443 \\
      --tls-cert /etc/earshot/cert.pem --tls-key /etc/earshot/key.pem`,
      )
      .action(runServer)
      .addCommand(serverTokenCommand())
      .addCommand(serverUserCommand())
  );
}
