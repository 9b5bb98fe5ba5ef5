// `earshot local`: the kernel's socket table read from /proc, with every process holding each socket.
import { Command } from 'commander';
import type { SocketFilter } from '../../inventory/filter.js';
import { local } from '../../inventory/local.js';
import type { AddressFamily, Protocol } from '../../model.js';
import { renderLocalText } from '../../report/local-text.js';
import { stringifySafeJson } from '../../report/safe-json.js';
import { escapeForTerminal } from '../../report/terminal-escape.js';
import { parseInteger, parsePortList } from '../option-parsers.js';

interface LocalOptions {
  all?: boolean;
  tcp?: boolean;
  udp?: boolean;
  ipv4?: boolean;
  ipv6?: boolean;
  port?: string;
  pid?: string;
  user?: string;
  json?: boolean;
  allNetns?: boolean;
  procRoot?: string;
  passwdFile?: string;
}

const MAX_WARNINGS_SHOWN = 20;

function buildFilter(options: LocalOptions): SocketFilter {
  const filter: SocketFilter = {};
  if (options.port !== undefined) filter.ports = new Set(parsePortList(options.port, { allowZero: true }));
  // PID_MAX_LIMIT (proc(5), /proc/sys/kernel/pid_max): no process id is larger.
  if (options.pid !== undefined) filter.pid = parseInteger(options.pid, '--pid', 1, 4_194_304);
  if (options.user !== undefined) filter.user = options.user;
  return filter;
}

async function runLocal(options: LocalOptions): Promise<void> {
  const filter = buildFilter(options);
  const protocols: Protocol[] =
    options.tcp === options.udp ? ['tcp', 'udp'] : options.tcp ? ['tcp'] : ['udp'];
  const families: AddressFamily[] =
    options.ipv4 === options.ipv6 ? ['ipv4', 'ipv6'] : options.ipv4 ? ['ipv4'] : ['ipv6'];
  // No watchInterrupt: the read is one short synchronous pass; Ctrl-C exits 130 at once (interrupt.ts).
  const report = await local({
    filter,
    protocols,
    families,
    listeningOnly: !options.all,
    allNetns: options.allNetns ?? false,
    ...(options.procRoot ? { procRoot: options.procRoot } : {}),
    ...(options.passwdFile ? { passwdPath: options.passwdFile } : {}),
  });
  if (options.json) {
    process.stdout.write(`${stringifySafeJson(report)}\n`);
    return;
  }
  for (const warning of report.warnings.slice(0, MAX_WARNINGS_SHOWN)) {
    const where = warning.line === undefined ? warning.source : `${warning.source}:${warning.line}`;
    process.stderr.write(`earshot: warning: ${escapeForTerminal(`${where}: ${warning.message}`)}\n`);
  }
  if (report.warnings.length > MAX_WARNINGS_SHOWN) {
    process.stderr.write(
      `earshot: warning: ${report.warnings.length - MAX_WARNINGS_SHOWN} more warnings (see --json)\n`,
    );
  }
  process.stdout.write(
    renderLocalText(report, { showPeer: options.all ?? false, showNetns: options.allNetns ?? false }),
  );
}

/** Builds the `local` command. */
export function localCommand(): Command {
  return new Command('local')
    .description("list the kernel's TCP and UDP sockets from /proc, with every process that holds each one")
    .option('-a, --all', 'every socket in every state, not only listening TCP and bound UDP')
    .option('-t, --tcp', 'TCP sockets only')
    .option('-u, --udp', 'UDP sockets only')
    .option('-4, --ipv4', 'IPv4 sockets only')
    .option('-6, --ipv6', 'IPv6 sockets only (v4-mapped peers included)')
    .option('--port <ports>', 'only these local ports, in -p syntax: "22", "22,80-90", "0"')
    .option('--pid <pid>', 'only sockets this process holds')
    .option('--user <user>', 'only sockets of this user (name or uid): the socket or any owner')
    .option('--json', 'print JSON: { tool, version, kind, sockets[], warnings[], complete }')
    .option('--all-netns', 'read every network namespace on the host (one /proc/<pid>/net per namespace)')
    .option('--proc-root <dir>', 'read procfs mounted here, e.g. /host/proc in a container', '/proc')
    .option('--passwd-file <path>', 'map uids to names with this file (default: /etc/passwd, if readable)')
    .addHelpText(
      'after',
      `
What it reads:
  /proc/net/tcp, tcp6, udp and udp6 straight from the kernel (never ss, netstat or lsof, which an
  intruder may have replaced), then /proc/<pid>/fd of every process to find all holders of each
  socket, with their user, executable (marked "(deleted)" when the file is gone), systemd unit and
  container (from /proc/<pid>/cgroup).

Columns:
  Netid State Recv-Q Send-Q Local Address:Port [Peer Address:Port] [Netns] User Process
  Process lists every holder, grouped: ypbind[653,655,656,657] /usr/sbin/ypbind

Owners that cannot be seen:
  "owner unknown: run as root"   another user's processes hold it and we may not read their fds
  "no owner (kernel socket)"     root sees no process holding it (nfsd, lockd, a kernel tunnel)

Examples:
  earshot local                       listening TCP and bound UDP sockets, like ss -tulpn
  earshot local --port 834            who holds port 834? (the guide's netstat -anp | grep 834)
  earshot local -a -t                 every TCP socket, connections included
  earshot local --user nobody -4      IPv4 sockets of user nobody
  earshot local --all-netns           every container's and namespace's sockets too
  earshot local --json | jq '.sockets[] | select(.ownerStatus.kind != "known")'
  earshot local --proc-root /host/proc   from a container with the host's /proc mounted

Exit status: 0 ok (even when some owners could not be seen), 64 bad option, 70 /proc unreadable.`,
    )
    .action(runLocal);
}
