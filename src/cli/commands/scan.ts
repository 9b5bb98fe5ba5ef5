// `earshot scan`: which TCP ports answer on these hosts? nmap -sT's job, streamed host by host.
// The command is wiring: options to ScanOptions (scan-options.ts), scan() from the library, each
// finished host to the outputs (scan-output.ts), the exit status.
import { Command, Option } from 'commander';
import { EarshotError } from '../../errors.js';
import { scan } from '../../scan/scan.js';
import { parsePortSpec } from '../../scan/targets/ports.js';
import { ExitCode } from '../exit-codes.js';
import { watchInterrupt } from '../interrupt.js';
import { parseInteger } from '../option-parsers.js';
import { addOutputFileOptions, resolveOutputFiles } from '../output-files.js';
import { createProgressLine } from '../progress.js';
import { type ScanCliOptions, serviceDetectFrom, timingFrom } from './scan-options.js';
import { openScanOutput } from './scan-output.js';

async function runScan(targetArgs: string[], options: ScanCliOptions): Promise<void> {
  // Every option, and -oN/-oX/-oG/-oJ/-oA, is checked before any packet is sent.
  const files = resolveOutputFiles(options);
  const serviceDetection = serviceDetectFrom(options);
  const threads =
    options.threads === undefined ? undefined : parseInteger(options.threads, '--threads', 1, 64);
  if (options.sS && options.sT) {
    throw new EarshotError('ERR_OPTION', 'Choose one TCP scan: -sS (raw SYN) or -sT (connect), not both.');
  }
  const scanUdp = options.sU ?? false;
  const progress = createProgressLine(process.stderr, Boolean(process.stderr.isTTY) && !options.quiet);
  const interrupt = watchInterrupt();
  try {
    const run = await scan({
      targets: targetArgs,
      ...(options.iL !== undefined ? { inputFile: options.iL } : {}),
      exclude: splitList(options.exclude),
      ...(options.excludeFile !== undefined ? { excludeFile: options.excludeFile } : {}),
      tcp: options.sS ? 'syn' : options.sT || !scanUdp ? 'connect' : false,
      udp: scanUdp,
      ...(options.ports !== undefined ? { ports: parsePortSpec(options.ports) } : {}),
      skipDiscovery: options.Pn ?? false,
      timing: timingFrom(options),
      listAllPorts: options.allPorts ?? false,
      ...(serviceDetection ? { serviceDetection } : {}),
      osGuess: options.osGuess ?? false,
      ...(threads !== undefined ? { threads } : {}),
      signal: interrupt.signal,
      onProgress: (state) => progress.update(state),
    });
    const output = await openScanOutput({
      options,
      files,
      scanInfo: run.scanInfo,
      showVersion: serviceDetection !== undefined,
      stdoutIsTerminal: Boolean(process.stdout.isTTY),
      print(text) {
        progress.clear();
        if (!interrupt.readerGone) process.stdout.write(text);
      },
    });
    try {
      for await (const host of run.hosts()) await output.host(host);
    } catch (error) {
      await output.abandon();
      throw error;
    } finally {
      progress.clear();
    }
    await output.finish({ interrupted: interrupt.signal.aborted });
    // A write to a reader that just went away fails with EPIPE a tick later: let that error reach
    // the interrupt's handler before it is removed.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    interrupt.dispose();
  }
  if (interrupt.interrupted && !interrupt.readerGone) process.exitCode = ExitCode.interrupted;
}

const splitList = (list?: string): string[] =>
  list
    ? list
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : [];

/** Builds the `scan` command. */
export function scanCommand(): Command {
  const command = new Command('scan')
    .description(
      'find which TCP and UDP ports answer on one or more hosts (nmap -sT by default; -sU, -sS, -O)',
    )
    .argument(
      '[targets...]',
      'addresses, names, CIDR blocks (10.0.0.0/24, fd00::/120) or ranges (10.0.0-3.1-254)',
    )
    .option(
      '-p, --ports <spec>',
      'ports to scan: 22,80,8000-8100, or -p- for 1-65535 (default: 1-1024 and every named port)',
    )
    .option('--iL <file>', 'read targets from FILE, one per line, # comments (also --iL)')
    .option('--exclude <list>', 'comma-separated targets to leave out')
    .option('--exclude-file <file>', 'leave out the targets listed in FILE')
    .option('--Pn', 'skip host discovery: treat every host as up (also --Pn)')
    .option('--sT', 'TCP connect scan (the default; also --sT)')
    .option('--sU', 'UDP scan (also --sU); with -sT or -sS both, in one report')
    .option('--sS', "SYN scan over raw sockets (also --sS; root and earshot's native addon)")
    .option('-O, --os-guess', 'guess the operating system: SYN-ACK/RST evidence (raw sockets) and banners')
    .addOption(new Option('-T <0-5>', 'timing template: 0 paranoid … 3 normal (default) … 5 insane'))
    .option('--max-rate <n>', 'start at most N probes per second')
    .option('--max-retries <n>', 'retry a silent port at most N times')
    .option('--host-timeout <duration>', 'give up on a host after DURATION (500ms, 30s, 5m)')
    .option('--sV', 'name the service and version behind each open port by probing it (also --sV)')
    .option('--version-intensity <0-9>', 'with -sV: 0-1 only the probes for the port number, 7 (default) all')
    .option('--version-timeout <duration>', 'with -sV: give up on one port after DURATION (default 10s)')
    .option('--reason', 'show why each port got its state (syn-ack, conn-refused, no-response, ...)')
    .option('--json', 'print one JSON document instead of text (docs/json.md)')
    .option('--all-ports', 'list every port, none folded into "Not shown"')
    .option('-o, --output <file>', 'also write the report (text, or JSON with --json) to FILE')
    .option('-q, --quiet', 'no progress line on stderr')
    .addOption(
      new Option('--threads <n>', 'threads that share a big scan (default: cores, at most 4)').hideHelp(),
    )
    .addHelpText(
      'after',
      `
Each port comes out open (the connect completed: syn-ack), closed (refused: conn-refused) or
filtered (no answer after retries: no-response; or an ICMP error: host-unreach, net-unreach,
admin-prohibited). Hosts are first asked whether they are up (TCP 80, 443, 22; this host's own
addresses are always up); down hosts are reported, not scanned; -Pn skips that. Results print host by host as they
finish. On a terminal a progress line shows on stderr; Ctrl-C stops, prints what finished, and
exits 130. Bad targets, ports or options exit 64 before any packet is sent.

UDP (-sU): a reply is open (udp-response), ICMP port-unreachable closed (port-unreach), silence
after the retries open|filtered (no-response); known services get a protocol payload. -sS and -O
need root (CAP_NET_RAW) and earshot's native addon (built at install); -O says when it lacks them.

Examples:
  earshot scan localhost                   the guide's nmap -sT localhost
  earshot scan -sU -sT -p 53,111 10.0.0.5  UDP and TCP in one report
  earshot scan -O 10.0.0.5                 ports, then an OS guess with its evidence
  earshot scan -p- 127.0.0.1 ::1           every port, both loopbacks
  earshot scan -p 22,80,443 10.0.0.0/24    three ports on a /24
  earshot scan -Pn -T4 --reason 10.0.0.5   skip discovery, faster timing, say why
  earshot scan -sV -p 22,80,443 10.0.0.5    which software answers, and its version
  earshot scan --json -o scan.json -iL hosts.txt
  earshot scan -oA monday 10.0.0.0/24      monday.nmap, .xml (nmap XML), .gnmap, .json`,
    )
    .action(runScan);
  return addOutputFileOptions(command);
}
