// `earshot verify`: the guide's whole investigation in one command, with a verdict for every port.
import { Command } from 'commander';
import type { VerifyReport } from '../../model.js';
import { overallLevel } from '../../reconcile/findings.js';
import { stringifySafeJson } from '../../report/safe-json.js';
import { renderVerifyGrepable } from '../../report/scan/grepable.js';
import { renderVerifyHtml } from '../../report/verify/verify-html.js';
import { renderVerifyText } from '../../report/verify/verify-text.js';
import { renderVerifyXml } from '../../report/verify/verify-xml.js';
import { readBaseline } from '../../verify/baseline-file.js';
import { verify } from '../../verify/verify.js';
import { ExitCode } from '../exit-codes.js';
import { checkSavePath, saveVerifyReport } from '../history-store.js';
import { watchInterrupt } from '../interrupt.js';
import { parsePortList } from '../option-parsers.js';
import {
  addOutputFileOptions,
  type OutputFileOptions,
  resolveOutputFiles,
  writeOutputFiles,
} from '../output-files.js';

interface VerifyOptions extends OutputFileOptions {
  ports: string;
  udp: boolean;
  udpPorts?: string;
  version: boolean;
  versionAll?: boolean;
  html?: string;
  interfaces?: boolean;
  baseline?: string;
  bind: boolean;
  procRoot?: string;
  json?: boolean;
  output?: string;
  color?: boolean;
  save?: boolean;
  db?: string;
}

/** Exit status for cron and CI: 2 for anything critical, 1 for warnings, else 0. */
export function verifyExitCode(report: Pick<VerifyReport, 'summary'>): number {
  const level = overallLevel(report);
  if (level === 'critical') return ExitCode.critical;
  if (level === 'warning') return ExitCode.warning;
  return ExitCode.ok;
}

async function runVerify(targetArgs: string[], options: VerifyOptions): Promise<void> {
  const files = resolveOutputFiles(options);
  const ports = parsePortList(options.ports);
  const baseline = options.baseline ? await readBaseline(options.baseline) : null;
  if (options.save) checkSavePath(options.db);
  const interrupt = watchInterrupt();
  let report: VerifyReport;
  try {
    report = await verify({
      targets: targetArgs,
      interfaces: options.interfaces ?? false,
      ports,
      udpPorts: options.udp ? (options.udpPorts ? parsePortList(options.udpPorts) : ports) : null,
      detection: !options.version ? 'none' : options.versionAll ? 'all' : 'unexplained',
      baseline,
      bindWitness: options.bind,
      ...(options.procRoot !== undefined ? { procRoot: options.procRoot } : {}),
      args: ['earshot', ...process.argv.slice(2)],
      signal: interrupt.signal,
    });
  } finally {
    interrupt.dispose();
  }
  const verdict = overallLevel(report);
  const useColor = options.color !== false && process.stdout.isTTY === true && !process.env.NO_COLOR;
  const json = () => `${stringifySafeJson(report)}\n`;
  const toStdout = Object.values(files).includes('-') || options.html === '-';
  if (!toStdout)
    process.stdout.write(options.json ? json() : renderVerifyText(report, { colors: useColor, verdict }));
  await writeOutputFiles(
    files,
    {
      normal: () => renderVerifyText(report, { colors: false, verdict }),
      xml: () => renderVerifyXml(report),
      grepable: () => renderVerifyGrepable(report),
      json,
    },
    (text) => process.stdout.write(text),
  );
  if (options.html !== undefined) {
    await writeOutputFiles({ normal: options.html }, { normal: () => renderVerifyHtml(report) }, (text) =>
      process.stdout.write(text),
    );
  }
  if (options.save) saveVerifyReport(report, options.db);
  process.exitCode = report.stats.interrupted ? ExitCode.interrupted : verifyExitCode(report);
}

/** Builds the `verify` command. */
export function verifyCommand(): Command {
  const command = new Command('verify')
    .description(
      'scan this host from the network, read its kernel socket tables, and judge every listening port',
    )
    .argument('[targets...]', 'addresses of this host to scan (default: 127.0.0.1 and ::1)')
    .option('-p, --ports <spec>', 'ports to scan, nmap syntax', '1-65535')
    .option('--no-udp', 'skip the UDP scan (by default the same ports are scanned over UDP too)')
    .option('--udp-ports <spec>', 'UDP ports to scan, nmap syntax (default: the -p ports)')
    .option('--no-version', 'do not probe open ports for the service that answers')
    .option('--version-all', 'probe every open TCP port, not only those /etc/services does not name')
    .option('--interfaces', "also scan every address of this host's own interfaces")
    .option('--baseline <file>', 'compare the listeners with an approved baseline (earshot baseline save)')
    .option('--no-bind', 'skip the bind witness (asking the kernel port by port with bind())')
    .option('--proc-root <dir>', 'read the kernel tables from this procfs mount (default /proc)')
    .option('--json', 'print the report as JSON')
    .option('--html <file>', 'also write the report as one self-contained HTML page ("-" for stdout)')
    .option('--no-color', 'never use colours (also: NO_COLOR in the environment)')
    .option('--save', 'record the report and its findings in the history store (earshot history)')
    .option('--db <path>', 'the history store for --save (default as earshot watch)')
    .addHelpText(
      'after',
      `
Three witnesses are held against each other for every port:
  network   a TCP connect scan of the addresses (what an attacker sees; local binaries cannot fake it)
  kernel    the socket tables read straight from /proc, with every process holding each socket
  bind      the kernel asked port by port whether it is in use, as unhide-tcp does
plus the portmapper (RPC programs, named from /etc/rpc), netfilter's conntrack table (NAT), the
service catalog (/etc/services, then IANA) and, with --baseline, the approved listeners.

Findings (severity): hidden-listener, hidden-bound-port, not-in-baseline (critical);
suspicious-owner, unregistered-reserved-port, missing-from-baseline (warning); forwarded-port,
unknown-service, owner-unknown (notice); local-only (info). docs/verify.md explains each.

Exit status: 0 nothing above notice, 1 a warning, 2 a critical finding, 64 usage error,
130 interrupted. Run as root to see every owner; without root the report says what it could not see.

Examples:
  earshot verify                                 all TCP ports of 127.0.0.1 and ::1
  earshot verify --interfaces                    also every address of this host's interfaces
  earshot baseline save /etc/earshot/baseline.yaml
  earshot verify --baseline /etc/earshot/baseline.yaml --json > report.json
  earshot verify -oX verify.xml --html verify.html   nmap XML for ndiff, a page for people`,
    )
    .action(runVerify);
  return addOutputFileOptions(command);
}
