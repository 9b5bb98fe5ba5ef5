// nmap's output-file options for scan and verify: -oN, -oX, -oG, -oJ FILE and -oA BASENAME ("-" is
// stdout). Commander allows only one-letter short flags: nmap-args.ts rewrites them to long options.
import { type FileHandle, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Command, Option } from 'commander';
import { EarshotError, errnoCode, quote } from '../errors.js';
import type { HostResult, ScanStats } from '../model.js';
import {
  type NmapXmlOptions,
  renderScanXmlFooter,
  renderScanXmlHeader,
  renderScanXmlHost,
  type ScanXmlHeader,
} from '../report/scan/nmap-xml.js';
import { holdInterrupts } from './interrupt.js';

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

/** The options `addOutputFileOptions` adds, as commander hands them over, and those that also print. */
export interface OutputFileOptions {
  outputNormal?: string;
  outputXml?: string;
  outputGrepable?: string;
  outputJson?: string;
  outputAll?: string;
  /** scan's -o FILE: the report again, as text (or JSON with --json); "-" is stdout. */
  output?: string;
  /** verify's --html FILE; "-" is stdout. */
  html?: string;
  /** --json: the report as JSON on stdout. */
  json?: boolean;
}

/** Where each requested format goes; "-" is stdout. */
export type OutputFiles = Partial<Record<OutputFormat, string>>;

// nmap 7.93's words when more than one format would go to stdout ("nmap -oA -").
const MULTIPLE_TO_STDOUT = 'Cannot display multiple output types to stdout.';

/**
 * Resolves the options to one path per format. Two outputs on one file are refused, and so is more
 * than one on stdout: -oX -, -oN -, --html -, -o - and --json each ask for stdout (the plain text
 * report gives way to any of them, as nmap's does).
 */
export function resolveOutputFiles(options: OutputFileOptions): OutputFiles {
  const files: OutputFiles = {};
  if (options.outputAll !== undefined) {
    if (options.outputAll === '-') {
      throw new EarshotError(
        'ERR_OPTION',
        `${MULTIPLE_TO_STDOUT} -oA writes four formats: give it a base name such as "scan-monday", not "-".`,
      );
    }
    if (options.outputAll === '') {
      throw new EarshotError(
        'ERR_OPTION',
        '-oA needs a base name such as "scan-monday", not an empty string.',
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
  // Every output by its option, for the checks: the formats, then --html and -o.
  const outputs: [string, string][] = (Object.entries(files) as [OutputFormat, string][]).map(
    ([format, path]) => [`-o${FLAG_LETTERS[format]}`, path],
  );
  if (options.html !== undefined) outputs.push(['--html', options.html]);
  if (options.output !== undefined && options.output !== '-') outputs.push(['-o', options.output]);
  const toStdout = outputs.filter(([, path]) => path === '-').map(([flag]) => flag);
  // -o - and --json both put the report itself on stdout: together they still ask for it once.
  if (options.output === '-') toStdout.push('-o -');
  else if (options.json) toStdout.push('--json');
  if (toStdout.length > 1) {
    throw new EarshotError(
      'ERR_OPTION',
      `${MULTIPLE_TO_STDOUT} (${toStdout.join(' and ')}); send all but one to files.`,
    );
  }
  const seen = new Map<string, string>();
  for (const [flag, path] of outputs) {
    const other = seen.get(path);
    if (other !== undefined && path !== '-') {
      throw new EarshotError(
        'ERR_OPTION',
        `Both ${other} and ${flag} would write "${path}"; give each output its own file.`,
      );
    }
    seen.set(path, flag);
  }
  return files;
}

const FLAG_LETTERS: Record<OutputFormat, string> = { normal: 'N', xml: 'X', grepable: 'G', json: 'J' };

/** Why a file cannot be created or written, said so that the fix is plain. */
async function writeProblem(path: string, error: unknown): Promise<string> {
  const folder = dirname(path);
  switch (errnoCode(error)) {
    case 'ENOENT': {
      // open(2) says ENOENT both for a missing folder and for a folder that takes no new files (/proc).
      const info = await stat(folder).catch(() => null);
      if (info === null) return `the folder "${folder}" does not exist`;
      if (!info.isDirectory()) return `"${folder}" is not a folder`;
      return `the folder "${folder}" does not allow creating files in it (ENOENT)`;
    }
    case 'ENOTDIR':
      return `a part of "${folder}" is not a folder`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full';
    default:
      return `${errnoCode(error) ?? 'error'}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The usage error for an output file that cannot be written, naming the path and why. */
export async function writeError(path: string, error: unknown): Promise<EarshotError> {
  return new EarshotError(
    'ERR_OPTION',
    `Cannot write output file ${quote(path)}: ${await writeProblem(path, error)}; choose another path.`,
    { cause: error },
  );
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
    // A Ctrl-C while the file is written exits once it is whole.
    await holdInterrupts(async () => {
      let handle: FileHandle | undefined;
      try {
        handle = await open(path, 'w');
        await handle.writeFile(renderer());
      } catch (error) {
        throw await writeError(path, error);
      } finally {
        await handle?.close();
      }
    });
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
    throw await writeError(path, error);
  }
  const write = async (text: string) => {
    try {
      await handle.writeFile(text);
    } catch (error) {
      throw await writeError(path, error);
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
