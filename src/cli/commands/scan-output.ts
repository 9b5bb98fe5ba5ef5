// Where a scan's hosts go as they finish: the text on stdout (or JSON at the end), -oX streamed host
// by host so that an interrupted or killed scan keeps what finished, and the other -o files at the end.
import { writeFile } from 'node:fs/promises';
import { EarshotError } from '../../errors.js';
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
import { VERSION } from '../../version.js';
import type { Interrupt } from '../interrupt.js';
import {
  type OutputFiles,
  openScanXmlStream,
  type ScanXmlStream,
  writeOutputFiles,
} from '../output-files.js';
import type { ScanCliOptions } from './scan-options.js';

/** The outputs of one scan run. */
export interface ScanOutput {
  host(host: HostResult): Promise<void>;
  /** The footers and every file written at the end. */
  finish(result: { interrupted: boolean }): Promise<void>;
  /** The scan failed: close -oX as it is (no footer, like nmap's). */
  abandon(): Promise<void>;
}

/** What the outputs need to know before the first host. */
export interface ScanOutputSetup {
  options: ScanCliOptions;
  files: OutputFiles;
  scanInfo: ScanReport['scanInfo'];
  showVersion: boolean;
  interrupt: Interrupt;
  /** Called before anything is printed (clears the progress line). */
  beforePrint(): void;
}

/** Prints the header and opens -oX; the returned sink takes hosts as they finish. */
export async function openScanOutput(setup: ScanOutputSetup): Promise<ScanOutput> {
  const { options, files, interrupt } = setup;
  const startedAt = new Date();
  const report: ScanReport = {
    tool: 'earshot',
    version: VERSION,
    kind: 'scan',
    args: process.argv.slice(2),
    scanInfo: setup.scanInfo,
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
  const color = Boolean(process.stdout.isTTY) && !options.json;
  const showReason = options.reason ?? false;
  const textOptions = { color, showReason, showVersion: setup.showVersion };
  // A format written to stdout ("-oX -") replaces the text there, as --json does.
  const streamText = !options.json && !Object.values(files).includes('-');
  const print = (text: string) => {
    setup.beforePrint();
    if (!interrupt.readerGone) process.stdout.write(text);
  };
  if (streamText) print(renderScanHeader(report));
  let xml: ScanXmlStream | undefined;
  if (files.xml !== undefined && files.xml !== '-') {
    xml = await openScanXmlStream(files.xml, { ...report, startedAt: report.stats.startedAt });
  }
  return {
    async host(host) {
      report.hosts.push(host);
      report.stats.addressesScanned++;
      if (host.status === 'up') report.stats.hostsUp++;
      else report.stats.hostsDown++;
      if (streamText) print(renderHostText(host, textOptions));
      await xml?.host(host);
    },
    async abandon() {
      await xml?.close();
    },
    async finish({ interrupted }) {
      const endedAt = new Date();
      report.stats.interrupted = interrupted;
      report.stats.endedAt = endedAt.toISOString();
      report.stats.elapsedMs = endedAt.getTime() - startedAt.getTime();
      if (streamText) print(renderScanFooter(report.stats));
      else if (options.json && !interrupt.readerGone) process.stdout.write(renderScanJson(report));
      await xml?.finish(report.stats);
      await writeOutputFiles(
        files,
        {
          normal: () => renderScanText(report, { showReason }),
          grepable: () => renderScanGrepable(report),
          json: () => renderScanJson(report),
          ...(files.xml === '-' ? { xml: () => renderScanXml(report) } : {}),
        },
        (text) => process.stdout.write(text),
      );
      // "-o -" is the report on stdout, where it already went.
      if (options.output !== undefined && options.output !== '-')
        await writeOutputOption(options.output, report, textOptions, options.json);
    },
  };
}

/** `-o FILE`: the report once more, as text or (with --json) JSON. */
async function writeOutputOption(
  path: string,
  report: ScanReport,
  textOptions: { showReason: boolean; showVersion: boolean },
  json: boolean | undefined,
): Promise<void> {
  const text = json
    ? renderScanJson(report)
    : renderScanText(report, { showReason: textOptions.showReason, showVersion: textOptions.showVersion });
  try {
    await writeFile(path, text);
  } catch (error) {
    throw new EarshotError(
      'ERR_OPTION',
      `Cannot write -o "${path}": ${(error as Error).message}; pick a writable path.`,
      {
        cause: error,
      },
    );
  }
}
