// `earshot rpcinfo [HOST]`: what a portmapper (rpcbind) has registered, printed like `rpcinfo -p`,
// asked with rpcbind v4/v3 (IPv6 registrations included) or, for old servers, portmap v2.
import { Command } from 'commander';
import { loadRpcProgramCatalog } from '../../catalog/rpc-programs.js';
import { isEarshotError } from '../../errors.js';
import type { RpcRegistration } from '../../model.js';
import { stringifySafeJson } from '../../report/safe-json.js';
import { escapeForTerminal } from '../../report/terminal-escape.js';
import { dumpPortmapper, type PortmapperDump, type PortmapperVersion } from '../../scan/rpc/portmapper.js';
import { parseHostAddress } from '../../scan/targets/target-parse.js';
import { ExitCode } from '../exit-codes.js';
import { watchInterrupt } from '../interrupt.js';
import { parseInteger } from '../option-parsers.js';
import { printError } from '../print-error.js';

interface RpcinfoOptions {
  port: string;
  timeout: string;
  rpcVersion?: string;
  rpcFile?: string;
  json?: boolean;
}

// The layout of `rpcinfo -p` (rpcinfo.c): program %10, vers %5, proto %6, port %7, then the name.
function formatRow(entry: RpcRegistration): string {
  const proto = `${entry.protocol}${entry.family === 'ipv6' ? '6' : ''}`;
  const name = entry.name ? `  ${escapeForTerminal(entry.name)}` : '';
  return `${String(entry.program).padStart(10)}${String(entry.version).padStart(5)}${proto.padStart(6)}${String(entry.port).padStart(7)}${name}`;
}

async function runRpcinfo(host: string, options: RpcinfoOptions): Promise<void> {
  const address = parseHostAddress(host);
  const port = parseInteger(options.port, '--port', 1, 65535);
  const timeoutMs = parseInteger(options.timeout, '--timeout', 1, 600_000);
  const versions = options.rpcVersion
    ? [parseInteger(options.rpcVersion, '--rpc-version', 2, 4) as PortmapperVersion]
    : undefined;
  const rpcPrograms = await loadRpcProgramCatalog(options.rpcFile ? { rpcPath: options.rpcFile } : {});
  const interrupt = watchInterrupt();
  let dump: PortmapperDump;
  try {
    dump = await dumpPortmapper({
      address,
      port,
      timeoutMs,
      versions,
      rpcPrograms,
      signal: interrupt.signal,
    });
  } catch (error) {
    // Like rpcinfo: a portmapper that cannot be reached is status 1, not an internal error.
    if (!isEarshotError(error, 'ERR_RPC')) throw error;
    printError(error.message);
    process.exitCode = ExitCode.notFound;
    return;
  } finally {
    interrupt.dispose();
  }
  if (options.json) {
    const registrations = dump.registrations;
    process.stdout.write(
      `${stringifySafeJson({ host: address, port, rpcbindVersion: dump.version, registrations })}\n`,
    );
    return;
  }
  const rows = ['   program vers proto   port  service', ...dump.registrations.map(formatRow)];
  process.stdout.write(`${rows.join('\n')}\n`);
}

/** Builds the `rpcinfo` command. */
export function rpcinfoCommand(): Command {
  return new Command('rpcinfo')
    .description('list the RPC programs a portmapper (rpcbind) has registered, like rpcinfo -p')
    .argument('[host]', 'address of the portmapper (IPv4, IPv6 or a name)', '127.0.0.1')
    .option('-p, --port <port>', 'port of the portmapper', '111')
    .option('--timeout <ms>', 'give up after this many milliseconds, every version tried included', '5000')
    .option('--rpc-version <n>', 'ask only this protocol version: 2 (portmap), 3 or 4 (rpcbind)')
    .option('--rpc-file <path>', 'read program names from this file instead of /etc/rpc')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Asks rpcbind version 4 first, then 3, then portmap version 2, as the server accepts them. Versions 3
and 4 also list IPv6 registrations, shown with proto tcp6/udp6. Names come from /etc/rpc.
Exit status 1 when the portmapper cannot be reached or does not answer as one.

Examples:
  earshot rpcinfo                 the local portmapper, like rpcinfo -p
  earshot rpcinfo ::1 --json      over IPv6, as JSON
  earshot rpcinfo --rpc-version 2 portmap v2 only (IPv4 registrations)`,
    )
    .action(runRpcinfo);
}
