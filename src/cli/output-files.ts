// nmap's output-file options for scan and verify: -oN, -oX, -oG, -oJ FILE and -oA BASENAME ("-" is
// stdout). Commander allows only one-letter short flags: nmap-args.ts rewrites them to long options.
import { type FileHandle, open } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { EarshotError, errnoCode } from '../errors.js';
import type { HostResult, ScanStats } from '../model.js';
import {
  type NmapXmlOptions,
  renderScanXmlFooter,
  renderScanXmlHeader,
  renderScanXmlHost,
  type ScanXmlHeader,
} from '../report/nmap-xml.js';

/** The output formats, by the long option that names each one's file. */
export type OutputFormat = 'normal' | 'xml' | 'grepable' | 'json';

const EXTENSIONS: Record<OutputFormat, string> = {
  normal: 'nmap',
  xml: 'xml',
  grepable: 'gnmap',
  json: 'json',
};

/** Adds the output-file options to a command (scan, verify). */
export function addOutputFileOptions(command: Command): Command {
  return command
    .addOption(new Option('--output-normal <file>', 'also write the text report to FILE (-oN)'))
    .addOption(new Option('--output-xml <file>', 'write nmap XML to FILE (-oX)'))
    .addOption(new Option('--output-grepable <file>', 'write grepable output to FILE (-oG)'))
    .addOption(new Option('--output-json <file>', 'write JSON to FILE (-oJ)'))
    .addOption(new Option('--output-all <basename>', 'write BASENAME.nmap, .xml, .gnmap and .json (-oA)'));
}

/** The options `addOutputFileOptions` adds, as commander hands them over. */
export interface OutputFileOptions {
  outputNormal?: string;
  outputXml?: string;
  outputGrepable?: string;
  outputJson?: string;
  outputAll?: string;
}

/** Where each requested format goes; "-" is stdout. */
export type OutputFiles = Partial<Record<OutputFormat, string>>;

/** Resolves the options to one path per format; two formats on one file, or on stdout, is an error. */
export function resolveOutputFiles(options: OutputFileOptions): OutputFiles {
  const files: OutputFiles = {};
  if (options.outputAll !== undefined) {
    if (options.outputAll === '' || options.outputAll === '-') {
      throw new EarshotError(
        'ERR_OPTION',
        `-oA needs a base name such as "scan-monday", not "${options.outputAll}".`,
      );
    }
    for (const format of Object.keys(EXTENSIONS) as OutputFormat[]) {
      files[format] = `${options.outputAll}.${EXTENSIONS[format]}`;
    }
  }
  const single: [OutputFormat, string | undefined][] = [
    ['normal', options.outputNormal],
    ['xml', options.outputXml],
    ['grepable', options.outputGrepable],
    ['json', options.outputJson],
  ];
  for (const [format, path] of single) if (path !== undefined) files[format] = path;
  const seen = new Map<string, OutputFormat>();
  for (const [format, path] of Object.entries(files) as [OutputFormat, string][]) {
    const other = seen.get(path);
    if (other) {
      throw new EarshotError(
        'ERR_OPTION',
        `Both ${other} and ${format} output would go to "${path}"; give each format its own file.`,
      );
    }
    seen.set(path, format);
  }
  return files;
}

/** The usage error for an output file that cannot be written, naming the path and why. */
export function writeError(path: string, error: unknown): EarshotError {
  const code = errnoCode(error);
  const hint =
    code === 'ENOENT' ? 'the folder does not exist' : code === 'EACCES' ? 'permission denied' : String(error);
  return new EarshotError('ERR_OPTION', `Cannot write output file "${path}": ${hint}; choose another path.`, {
    cause: error,
  });
}

/** Writes each requested format, rendering only those asked for; "-" goes to `stdout`. */
export async function writeOutputFiles(
  files: OutputFiles,
  render: Partial<Record<OutputFormat, () => string>>,
  stdout: (text: string) => void,
): Promise<void> {
  for (const [format, path] of Object.entries(files) as [OutputFormat, string][]) {
    const renderer = render[format];
    if (!renderer) continue;
    if (path === '-') {
      stdout(renderer());
      continue;
    }
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, 'w');
      await handle.writeFile(renderer());
    } catch (error) {
      throw writeError(path, error);
    } finally {
      await handle?.close();
    }
  }
}

/** An nmap XML file written as the scan runs: header now, each host as it finishes, footer at the end. */
export interface ScanXmlStream {
  host(host: HostResult): Promise<void>;
  /** Writes `<runstats>` and closes the file. */
  finish(stats: ScanStats): Promise<void>;
  /** Closes the file without a footer (the scan failed); the file stays, like nmap's. */
  close(): Promise<void>;
}

/** Opens `path` and writes the XML header; a crash later leaves the hosts so far, without a footer. */
export async function openScanXmlStream(
  path: string,
  header: ScanXmlHeader,
  options: NmapXmlOptions = {},
): Promise<ScanXmlStream> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'w');
    await handle.writeFile(renderScanXmlHeader(header, options));
  } catch (error) {
    throw writeError(path, error);
  }
  const write = async (text: string) => {
    try {
      await handle.writeFile(text);
    } catch (error) {
      throw writeError(path, error);
    }
  };
  return {
    host: (host) => write(renderScanXmlHost(host, header)),
    async finish(stats) {
      try {
        await write(renderScanXmlFooter(stats));
      } finally {
        await handle.close();
      }
    },
    close: () => handle.close(),
  };
}
