// `earshot scan`: which TCP ports answer on these hosts? nmap -sT's job, streamed host by host.
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { loadServiceCatalog } from '../../catalog/services.js';
import { EarshotError, errnoCode } from '../../errors.js';
import type { HostResult, ScanReport } from '../../model.js';
import { renderScanJson } from '../../report/scan-json.js';
import {
  renderHostText,
  renderScanFooter,
  renderScanHeader,
  renderScanText,
} from '../../report/scan-text.js';
import { defaultTcpPorts, formatPortSpec, parsePortSpec } from '../../scan/ports.js';
import { prepareScanThreads, scanHosts } from '../../scan/scan-hosts.js';
import { addServiceDetection, type ServiceDetectOptions } from '../../scan/service-detect.js';
import { prepareTargets } from '../../scan/targets.js';
import { parseDurationMs, type TimingOptions, type TimingPreset } from '../../scan/timing.js';
import { ExitCode } from '../exit-codes.js';
import { createProgressLine } from '../progress.js';
import { VERSION } from '../version.js';

interface ScanCliOptions {
  ports?: string;
  iL?: string;
  exclude?: string;
  excludeFile?: string;
  Pn?: boolean;
  T?: string;
  maxRate?: string;
  maxRetries?: string;
  hostTimeout?: string;
  reason?: boolean;
  json?: boolean;
  allPorts?: boolean;
  output?: string;
  quiet?: boolean;
  threads?: string;
  sV?: boolean;
  versionIntensity?: string;
  versionTimeout?: string;
}

const integer = (text: string, name: string, min: number, max: number): number => {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw new EarshotError(
      'ERR_OPTION',
      `Invalid ${name} "${text}": give a whole number from ${min} to ${max}.`,
    );
  }
  return value;
};

function timingFrom(options: ScanCliOptions): Partial<TimingOptions> & { preset?: TimingPreset } {
  const timing: Partial<TimingOptions> & { preset?: TimingPreset } = {};
  if (options.T !== undefined) timing.preset = integer(options.T, '-T timing template', 0, 5) as TimingPreset;
  if (options.maxRate !== undefined) {
    const rate = Number(options.maxRate);
    if (!(rate > 0) || !Number.isFinite(rate)) {
      throw new EarshotError(
        'ERR_OPTION',
        `Invalid --max-rate "${options.maxRate}": give probes per second, above 0.`,
      );
    }
    timing.maxRate = rate;
  }
  if (options.maxRetries !== undefined)
    timing.maxRetries = integer(options.maxRetries, '--max-retries', 0, 50);
  if (options.hostTimeout !== undefined)
    timing.hostTimeoutMs = parseDurationMs(options.hostTimeout, '--host-timeout');
  return timing;
}

function serviceDetectFrom(options: ScanCliOptions): ServiceDetectOptions | undefined {
  if (!options.sV) return undefined;
  const detect: ServiceDetectOptions = {};
  if (options.versionIntensity !== undefined)
    detect.intensity = integer(options.versionIntensity, '--version-intensity', 0, 9);
  if (options.versionTimeout !== undefined)
    detect.portTimeoutMs = parseDurationMs(options.versionTimeout, '--version-timeout');
  return detect;
}

async function runScan(targetArgs: string[], options: ScanCliOptions): Promise<void> {
  const timing = timingFrom(options);
  const detect = serviceDetectFrom(options);
  const threads = options.threads === undefined ? undefined : integer(options.threads, '--threads', 1, 64);
  if (targetArgs.length === 0 && options.iL === undefined) {
    throw new EarshotError(
      'ERR_TARGET_SPEC',
      'No targets given: name hosts (earshot scan localhost) or a file (-iL hosts.txt).',
    );
  }
  // The default port set needs the catalog now; otherwise the scan loads it when the first host is done.
  const catalog = options.ports === undefined ? await loadServiceCatalog() : undefined;
  const ports = catalog ? defaultTcpPorts(catalog) : parsePortSpec(options.ports ?? '');
  prepareScanThreads(ports.length, threads);
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
  const streamText = !options.json;
  const progress = createProgressLine(process.stderr, Boolean(process.stderr.isTTY) && !options.quiet);
  const print = (text: string) => {
    progress.clear();
    if (!readerGone) process.stdout.write(text);
  };
  if (streamText) print(renderScanHeader(report));

  const record = (host: HostResult) => {
    report.hosts.push(host);
    report.stats.addressesScanned++;
    if (host.status === 'up') report.stats.hostsUp++;
    else report.stats.hostsDown++;
    if (streamText) print(renderHostText(host, textOptions));
  };
  try {
    for await (const host of scanHosts(targets, {
      ports,
      timing,
      ...(catalog ? { catalog } : {}),
      skipDiscovery: options.Pn ?? false,
      listAllPorts: options.allPorts ?? false,
      signal: controller.signal,
      targetCount: Number(targets.count),
      onProgress: (state) => progress.update(state),
      ...(threads !== undefined ? { threads } : {}),
    })) {
      if (detect) await addServiceDetection(host, { ...detect, signal: controller.signal });
      record(host);
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    report.stats.interrupted = true;
  } finally {
    process.off('SIGINT', onSigint);
    progress.clear();
  }
  // Formatting 65535 ports takes a few ms: after the scan, not before it.
  report.scanInfo.push({
    type: 'connect',
    protocol: 'tcp',
    portCount: ports.length,
    portSpec: formatPortSpec(ports),
  });
  const endedAt = new Date();
  report.stats.endedAt = endedAt.toISOString();
  report.stats.elapsedMs = endedAt.getTime() - startedAt.getTime();
  if (streamText) print(renderScanFooter(report.stats));
  else if (!readerGone) process.stdout.write(renderScanJson(report));
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

/** Rewrites nmap's multi-letter short options (-iL, -Pn, -p-) into forms commander parses. */
export function normaliseScanArgs(argv: readonly string[]): string[] {
  if (!argv.includes('scan')) return [...argv];
  return argv.flatMap((arg) => {
    if (arg === '-iL') return ['--iL'];
    if (arg === '-Pn') return ['--Pn'];
    if (arg === '-sV') return ['--sV'];
    if (arg === '-p-') return ['-p', '1-65535'];
    return [arg];
  });
}

/** Builds the `scan` command. */
export function scanCommand(): Command {
  return new Command('scan')
    .description('find which TCP ports answer on one or more hosts (a TCP connect scan, like nmap -sT)')
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
admin-prohibited). Hosts are first asked whether they are up (TCP 80, 443, 22; loopback is always
up); down hosts are reported, not scanned; -Pn skips that. Results print host by host as they
finish. On a terminal a progress line shows on stderr; Ctrl-C stops, prints what finished, and
exits 130. Bad targets, ports or options exit 64 before any packet is sent.

Examples:
  earshot scan localhost                   the guide's nmap -sT localhost
  earshot scan -p- 127.0.0.1 ::1           every port, both loopbacks
  earshot scan -p 22,80,443 10.0.0.0/24    three ports on a /24
  earshot scan -Pn -T4 --reason 10.0.0.5   skip discovery, faster timing, say why
  earshot scan -sV -p 22,80,443 10.0.0.5   which software answers, and its version
  earshot scan --json -o scan.json -iL hosts.txt`,
    )
    .action(runScan);
}
