// The earshot command line: every command registered, argv parsed, errors turned into exit statuses.
import { Command, CommanderError } from 'commander';
import { EarshotError, UNAVAILABLE_ERROR_CODES, USAGE_ERROR_CODES } from '../errors.js';
import { escapeForTerminal } from '../report/terminal-escape.js';
import { VERSION } from '../version.js';
import { ExitCode } from './exit-codes.js';
import { installInterruptHandler, startCommand } from './interrupt.js';
import { expandNmapOutputFlags, nmapSpelling, normaliseScanArgs } from './nmap-args.js';
import { printError } from './print-error.js';

/**
 * Every command, in the order help lists them. Each is loaded only when needed: `earshot local`
 * does not pay for loading the scan engine or the report readers.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  verify: async () => (await import('./commands/verify.js')).verifyCommand(),
  baseline: async () => (await import('./commands/baseline.js')).baselineCommand(),
  scan: async () => (await import('./commands/scan.js')).scanCommand(),
  local: async () => (await import('./commands/local.js')).localCommand(),
  services: async () => (await import('./commands/services.js')).servicesCommand(),
  rpcinfo: async () => (await import('./commands/rpcinfo.js')).rpcinfoCommand(),
  diff: async () => (await import('./commands/diff.js')).diffCommand(),
  watch: async () => (await import('./commands/watch.js')).watchCommand(),
  history: async () => (await import('./commands/history.js')).historyCommand(),
  server: async () => (await import('./commands/fleet/server.js')).serverCommand(),
  agent: async () => (await import('./commands/fleet/agent.js')).agentCommand(),
};

async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('earshot')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .description(
      'Which ports are listening on this host, who owns each one, and is anything listening that ' +
        'should not be, or hiding? earshot scans from the network side, reads the kernel socket ' +
        'tables from /proc, and reconciles the two.',
    )
    .helpOption('-h, --help', 'show help for earshot or a command')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  earshot verify                  judge every listening port of this host (run as root)
  earshot scan localhost          which TCP ports answer on this host?
  earshot scan -p- 127.0.0.1      every port
  earshot services 834            which service is registered for port 834?
  earshot services ssh            which port does ssh use?
  earshot diff old.xml new.xml    what changed between two scans?
  earshot rpcinfo                 which RPC programs has the local portmapper registered?
  earshot local --port 834        which processes hold port 834, read from /proc?

Exit status: 0 ok, 1 warnings (verify) or differences (diff), 2 critical findings (verify)
or an unreadable report (diff),
64 usage error, 70 internal error, 130 interrupted.`,
    );
  // The first word that is not an option names the command; help and unknown words need them all.
  const named = argv.find((arg) => !arg.startsWith('-'));
  const wanted = named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS);
  for (const command of await Promise.all(wanted.map((name) => COMMANDS[name]!())))
    program.addCommand(command);
  return program;
}

// Option values and arguments that name a file or folder: an empty one ("--baseline ''", often an
// unset shell variable) would otherwise fall back to the default silently or fail obscurely.
const PATH_PLACEHOLDER = /<(file|path|dir|basename)>/;
const PATH_ARGUMENTS = new Set(['file', 'old', 'new']);

function refuseEmptyPaths(command: Command): void {
  for (const option of command.options) {
    if (!PATH_PLACEHOLDER.test(option.flags)) continue;
    if (command.getOptionValue(option.attributeName()) === '') {
      const name = nmapSpelling(option.long) ?? option.long ?? option.short ?? option.flags;
      throw new EarshotError('ERR_OPTION', `${name} needs a path, not an empty string.`);
    }
  }
  command.registeredArguments.forEach((argument, index) => {
    if (PATH_ARGUMENTS.has(argument.name()) && command.processedArgs[index] === '') {
      throw new EarshotError(
        'ERR_OPTION',
        `The ${argument.name()} argument needs a path, not an empty string.`,
      );
    }
  });
}

/** Exit-time setup for every command: errors become statuses, commander's own messages are escaped. */
function configure(command: Command): void {
  command.exitOverride();
  // Help and commander's own messages ("option '-iL <file>' argument missing") name nmap's options as
  // the user types them; `--iL` is still accepted, as the long option the rewrite gives.
  for (const option of command.options) {
    const spelled = nmapSpelling(option.long);
    if (spelled) option.flags = option.flags.replace(option.long!, spelled);
  }
  command.configureOutput({
    outputError: (text, write) => write(escapeForTerminal(text, { keepNewlines: true })),
  });
  for (const sub of command.commands) configure(sub);
}

/** The exit status for an error a command threw; prints its message. */
function statusOf(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
    if (error.code === 'commander.help') return ExitCode.ok;
    return ExitCode.usage;
  }
  if (error instanceof EarshotError) {
    printError(error.message);
    if (error.code === 'ERR_INTERRUPTED') return ExitCode.interrupted;
    if (UNAVAILABLE_ERROR_CODES.has(error.code)) return ExitCode.unavailable;
    return USAGE_ERROR_CODES.has(error.code) ? ExitCode.usage : ExitCode.software;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`earshot: internal error: ${escapeForTerminal(detail, { keepNewlines: true })}\n`);
  return ExitCode.software;
}

/** Runs earshot with `argv` (without node and script) and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  installInterruptHandler();
  try {
    const args = normaliseScanArgs(expandNmapOutputFlags(argv));
    const program = await buildProgram(args);
    configure(program);
    program.hook('preAction', async (_program, command) => {
      await startCommand();
      refuseEmptyPaths(command);
    });
    await program.parseAsync(args, { from: 'user' });
    return process.exitCode === undefined ? ExitCode.ok : Number(process.exitCode);
  } catch (error) {
    return statusOf(error);
  }
}
