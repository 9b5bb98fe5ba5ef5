// `earshot scan`: which TCP ports answer on these hosts? nmap -sT's job, streamed host by host.
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { loadServiceCatalog } from '../../catalog/services.js';
import { EarshotError, errnoCode } from '../../errors.js';
import type { HostResult, ScanReport } from '../../model.js';
import { renderScanGrepable } from '../../report/grepable.js';
import { renderScanXml } from '../../report/nmap-xml.js';
import { renderScanJson } from '../../report/scan-json.js';
import {
  renderHostText,
  renderScanFooter,
  renderScanHeader,
  renderScanText,
} from '../../report/scan-text.js';
import { defaultPorts, formatPortSpec, parsePortSpec } from '../../scan/ports.js';
import { prepareScanThreads, scanHosts, scanUdpHosts } from '../../scan/scan-hosts.js';
import { addServiceDetection } from '../../scan/service-detect.js';
import { scanSynHosts } from '../../scan/syn-scan.js';
import type { ScanTarget } from '../../scan/targets.js';
import { prepareTargets } from '../../scan/targets.js';
import { ExitCode } from '../exit-codes.js';
import {
  addOutputFileOptions,
  openScanXmlStream,
  resolveOutputFiles,
  type ScanXmlStream,
  writeOutputFiles,
} from '../output-files.js';
import { createProgressLine } from '../progress.js';
import { VERSION } from '../version.js';
import { integer, type ScanCliOptions, serviceDetectFrom, timingFrom } from './scan-options.js';
import { addOsGuess, openRawSession } from './scan-os.js';
import { runScanPasses } from './scan-passes.js';

async function runScan(targetArgs: string[], options: ScanCliOptions): Promise<void> {
  const timing = timingFrom(options);
  // -oN/-oX/-oG/-oJ/-oA are checked before any packet is sent.
  const files = resolveOutputFiles(options);
  const detect = serviceDetectFrom(options);
  const threads = options.threads === undefined ? undefined : integer(options.threads, '--threads', 1, 64);
  if (targetArgs.length === 0 && options.iL === undefined) {
    throw new EarshotError(
      'ERR_TARGET_SPEC',
      'No targets given: name hosts (earshot scan localhost) or a file (-iL hosts.txt).',
    );
  }
  const scanUdp = options.sU ?? false;
  const scanSyn = options.sS ?? false;
  if (scanSyn && options.sT) {
    throw new EarshotError('ERR_OPTION', 'Choose one TCP scan: -sS (raw SYN) or -sT (connect), not both.');
  }
  const scanTcp = (options.sT ?? false) || scanSyn || !scanUdp;
  const raw = openRawSession({ syn: scanSyn, osGuess: options.osGuess ?? false });
  // The default port set needs the catalog now; otherwise the scan loads it when the first host is done.
  const catalog = options.ports === undefined ? await loadServiceCatalog() : undefined;
  const ports = catalog ? defaultPorts(catalog, 'tcp') : parsePortSpec(options.ports ?? '');
  const udpPorts = catalog ? defaultPorts(catalog, 'udp') : ports;
  prepareScanThreads(Math.max(scanTcp ? ports.length : 0, scanUdp ? udpPorts.length : 0), threads);
  const split = (list?: string) =>
    list
      ? list
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean)
      : [];
  const targets = await prepareTargets({
    targets: targetArgs,
    ...(options.iL !== undefined ? { inputFile: options.iL } : {}),
    exclude: split(options.exclude),
    ...(options.excludeFile !== undefined ? { excludeFile: options.excludeFile } : {}),
  });

  const startedAt = new Date();
  const report: ScanReport = {
    tool: 'earshot',
    version: VERSION,
    kind: 'scan',
    args: process.argv.slice(2),
    scanInfo: [],
    hosts: [],
    stats: {
      startedAt: startedAt.toISOString(),
      endedAt: startedAt.toISOString(),
      elapsedMs: 0,
      addressesScanned: 0,
      hostsUp: 0,
      hostsDown: 0,
      interrupted: false,
    },
  };
  const controller = new AbortController();
  const onSigint = () => controller.abort(new EarshotError('ERR_OPTION', 'interrupted'));
  process.once('SIGINT', onSigint);
  // `earshot scan ... | head`: once the reader is gone, stop scanning and exit quietly.
  let readerGone = false;
  const onStdoutError = (error: unknown) => {
    if (errnoCode(error) !== 'EPIPE') throw error;
    readerGone = true;
    controller.abort(error);
  };
  process.stdout.on('error', onStdoutError);
  const color = Boolean(process.stdout.isTTY) && !options.json;
  const textOptions = { color, showReason: options.reason ?? false, showVersion: detect !== undefined };
  // A format written to stdout ("-oX -") replaces the text there, as --json does.
  const streamText = !options.json && !Object.values(files).includes('-');
  const progress = createProgressLine(process.stderr, Boolean(process.stderr.isTTY) && !options.quiet);
  const print = (text: string) => {
    progress.clear();
    if (!readerGone) process.stdout.write(text);
  };
  // The headers (text and XML) carry scaninfo, so it is known before the first host is written.
  if (scanTcp) {
    report.scanInfo.push({
      type: scanSyn ? 'syn' : 'connect',
      protocol: 'tcp',
      portCount: ports.length,
      portSpec: formatPortSpec(ports),
    });
  }
  if (scanUdp) {
    report.scanInfo.push({
      type: 'udp',
      protocol: 'udp',
      portCount: udpPorts.length,
      portSpec: formatPortSpec(udpPorts),
    });
  }
  if (streamText) print(renderScanHeader(report));
  // -oX FILE grows host by host, so an interrupted or killed scan keeps what finished.
  let xml: ScanXmlStream | undefined;
  if (files.xml !== undefined && files.xml !== '-') {
    xml = await openScanXmlStream(files.xml, { ...report, startedAt: report.stats.startedAt });
  }

  const record = async (host: HostResult) => {
    report.hosts.push(host);
    report.stats.addressesScanned++;
    if (host.status === 'up') report.stats.hostsUp++;
    else report.stats.hostsDown++;
    if (streamText) print(renderHostText(host, textOptions));
    await xml?.host(host);
  };
  const common = {
    timing,
    ...(catalog ? { catalog } : {}),
    listAllPorts: options.allPorts ?? false,
    signal: controller.signal,
    targetCount: Number(targets.count),
    onProgress: (state: { done: number; total: number }) => progress.update(state),
    ...(threads !== undefined ? { threads } : {}),
  };
  const tcpOptions = { ...common, ports, skipDiscovery: options.Pn ?? false };
  const scanTcpHosts = (list: Iterable<ScanTarget>) =>
    scanSyn && raw?.raw
      ? scanSynHosts(list, {
          ...tcpOptions,
          raw: raw.raw,
          onProbeResult: (address, result) => raw.synResults.set(address, result),
        })
      : scanHosts(list, tcpOptions);
  const complete = async (host: HostResult) => {
    // Banners first: the OS guess weighs the hints they leave.
    if (detect) await addServiceDetection(host, { ...detect, signal: controller.signal });
    if (raw && options.osGuess) await addOsGuess(host, raw, scanTcp ? ports : [], controller.signal);
    await record(host);
  };
  try {
    await runScanPasses({
      targets,
      scanTcp,
      scanUdp,
      scanTcpHosts,
      scanUdpHosts: (list, skipDiscovery) =>
        scanUdpHosts(list, {
          ...common,
          ports: udpPorts,
          skipDiscovery: skipDiscovery || (options.Pn ?? false),
        }),
      complete,
      record,
    });
  } catch (error) {
    if (!controller.signal.aborted) {
      await xml?.close();
      throw error;
    }
    report.stats.interrupted = true;
  } finally {
    process.off('SIGINT', onSigint);
    progress.clear();
    raw?.close();
  }
  const endedAt = new Date();
  report.stats.endedAt = endedAt.toISOString();
  report.stats.elapsedMs = endedAt.getTime() - startedAt.getTime();
  if (streamText) print(renderScanFooter(report.stats));
  else if (options.json && !readerGone) process.stdout.write(renderScanJson(report));
  await xml?.finish(report.stats);
  await writeOutputFiles(
    files,
    {
      normal: () => renderScanText(report, { showReason: textOptions.showReason }),
      grepable: () => renderScanGrepable(report),
      json: () => renderScanJson(report),
      ...(files.xml === '-' ? { xml: () => renderScanXml(report) } : {}),
    },
    (text) => process.stdout.write(text),
  );
  if (options.output !== undefined) {
    const text = options.json
      ? renderScanJson(report)
      : renderScanText(report, { showReason: textOptions.showReason, showVersion: textOptions.showVersion });
    try {
      await writeFile(options.output, text);
    } catch (error) {
      throw new EarshotError(
        'ERR_OPTION',
        `Cannot write -o "${options.output}": ${(error as Error).message}; pick a writable path.`,
        {
          cause: error,
        },
      );
    }
  }
  process.stdout.off('error', onStdoutError);
  if (report.stats.interrupted && !readerGone) process.exitCode = ExitCode.interrupted;
}

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
    .option('--iL <file>', 'read targets from FILE, one per line, # comments (also -iL)')
    .option('--exclude <list>', 'comma-separated targets to leave out')
    .option('--exclude-file <file>', 'leave out the targets listed in FILE')
    .option('--Pn', 'skip host discovery: treat every host as up (also -Pn)')
    .option('--sT', 'TCP connect scan (the default; also -sT)')
    .option('--sU', 'UDP scan (also -sU); with -sT or -sS both, in one report')
    .option('--sS', 'SYN scan over raw sockets (also -sS; root and the raw-socket package)')
    .option('-O, --os-guess', 'guess the operating system: SYN-ACK/RST evidence (raw sockets) and banners')
    .addOption(new Option('-T <0-5>', 'timing template: 0 paranoid … 3 normal (default) … 5 insane'))
    .option('--max-rate <n>', 'start at most N probes per second')
    .option('--max-retries <n>', 'retry a silent port at most N times')
    .option('--host-timeout <duration>', 'give up on a host after DURATION (500ms, 30s, 5m)')
    .option('--sV', 'name the service and version behind each open port by probing it (also -sV)')
    .option('--version-intensity <0-9>', 'with -sV: 0-1 only the probes for the port number, 7 (default) all')
    .option('--version-timeout <duration>', 'with -sV: give up on one port after DURATION (default 10s)')
    .option('--reason', 'show why each port got its state (syn-ack, conn-refused, no-response, ...)')
    .option('--json', 'print one JSON document instead of text (README: "earshot scan --json")')
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
need root and the optional raw-socket package; -O says when it lacks them.

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
