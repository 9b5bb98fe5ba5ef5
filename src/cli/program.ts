// The earshot command line: every command registered, argv parsed, errors turned into exit statuses.
import { Command, CommanderError } from 'commander';
import { EarshotError, USAGE_ERROR_CODES } from '../errors.js';
import { VERSION } from '../version.js';
import { ExitCode } from './exit-codes.js';
import { expandNmapOutputFlags, normaliseScanArgs } from './nmap-args.js';

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
  server: async () => (await import('./commands/server.js')).serverCommand(),
  agent: async () => (await import('./commands/agent.js')).agentCommand(),
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

/** Runs earshot with `argv` (without node and script) and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const args = normaliseScanArgs(expandNmapOutputFlags(argv));
  const program = await buildProgram(args);
  const overrideExit = (command: Command): void => {
    command.exitOverride();
    for (const sub of command.commands) overrideExit(sub);
  };
  overrideExit(program);
  try {
    await program.parseAsync(args, { from: 'user' });
    return process.exitCode === undefined ? ExitCode.ok : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
      if (error.code === 'commander.help') return ExitCode.ok;
      return ExitCode.usage;
    }
    if (error instanceof EarshotError) {
      process.stderr.write(`earshot: ${error.message}\n`);
      if (error.code === 'ERR_INTERRUPTED') return ExitCode.interrupted;
      return USAGE_ERROR_CODES.has(error.code) ? ExitCode.usage : ExitCode.software;
    }
    process.stderr.write(
      `earshot: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return ExitCode.software;
  }
}
