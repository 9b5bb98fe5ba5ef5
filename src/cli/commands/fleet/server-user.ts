// `earshot server user add NAME --role viewer|admin`: a dashboard user; the password is read from
// stdin (its first line), so it never shows in the process list or the shell history.
import { Command } from 'commander';
import { EarshotError } from '../../../errors.js';
import { addServerUser } from '../../../fleet/server/admin.js';
import { checkPassword } from '../../../fleet/server/auth/passwords.js';
import { escapeForTerminal } from '../../../report/terminal-escape.js';

// Past the longest password checkPassword takes, so that stdin from /dev/zero or a big file is not
// read to the end: what was read is then refused as too long.
const MAX_PASSWORD_INPUT_CHARS = 4096;

async function readFirstLine(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password (then Enter and Ctrl-D): ');
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n') || text.length > MAX_PASSWORD_INPUT_CHARS) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/** Builds `server user`. */
export function serverUserCommand(): Command {
  const user = new Command('user')
    .description('manage dashboard users')
    .option('--db <url>', 'PostgreSQL, as for earshot server');
  user
    .command('add')
    .description('add a user; the password is the first line of stdin')
    .argument('<name>', 'the login name')
    .requiredOption('--role <role>', 'viewer (reads) or admin (also acknowledges findings)')
    .option('--db <url>', 'PostgreSQL, as for earshot server')
    .addHelpText(
      'after',
      `\nExample:\n  printf '%s\\n' "$PASSWORD" | earshot server user --db postgresql:///earshot add alice --role admin`,
    )
    .action(async (name: string, _options: unknown, command: Command) => {
      // `server --db X user add`, `server user --db X add` and `... add --db X` alike.
      const options = command.optsWithGlobals<{ role: string; db?: string }>();
      const db = options.db;
      if (!db) throw new EarshotError('ERR_OPTION', 'Give --db (PostgreSQL, as for earshot server).');
      if (options.role !== 'viewer' && options.role !== 'admin') {
        throw new EarshotError('ERR_OPTION', `Invalid --role "${options.role}": use viewer or admin.`);
      }
      // Checked before the database is asked, so that a wrong password costs no connection.
      const password = checkPassword(await readFirstLine());
      await addServerUser(db, name, options.role, password);
      process.stdout.write(`added ${options.role} ${escapeForTerminal(name)}\n`);
    });
  return user;
}
