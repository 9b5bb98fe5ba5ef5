// Where a scan's hosts go as they finish: the text (or --json) on stdout and every -o file, each
// written host by host, so that memory does not grow with the scan (a /8 is 16 million hosts) and an
// interrupted or killed scan keeps what finished. Each format's pieces join to the same text its
// whole-report renderer gives.
import { type FileHandle, open } from 'node:fs/promises';
import type { HostResult, ScanReport, ScanStats } from '../../model.js';
import {
  renderGrepableHost,
  renderScanGrepableFooter,
  renderScanGrepableHeader,
} from '../../report/scan/grepable.js';
import { renderScanXmlFooter, renderScanXmlHeader, renderScanXmlHost } from '../../report/scan/nmap-xml.js';
import { renderScanJsonHead, renderScanJsonHost, renderScanJsonTail } from '../../report/scan/scan-json.js';
import { renderHostText, renderScanFooter, renderScanHeader } from '../../report/scan/scan-text.js';
import { VERSION } from '../../version.js';
import { type OutputFiles, type OutputFormat, writeError } from '../output-files.js';
import type { ScanCliOptions } from './scan-options.js';

/** The outputs of one scan run. */
export interface ScanOutput {
  host(host: HostResult): Promise<void>;
  /** The footers; closes every file. */
  finish(result: { interrupted: boolean }): Promise<void>;
  /** The scan failed: close every file as it is (no footer, like nmap's -oX). */
  abandon(): Promise<void>;
}

/** What the outputs need to know before the first host. */
export interface ScanOutputSetup {
  options: ScanCliOptions;
  files: OutputFiles;
  scanInfo: ScanReport['scanInfo'];
  showVersion: boolean;
  /** Writes to stdout (clearing the progress line first; nothing once the reader is gone). */
  print(text: string): void;
  /** stdout is a terminal: the text report is coloured. */
  stdoutIsTerminal: boolean;
}

/** A report format in three pieces: what comes before the hosts, each host, and the end. */
interface StreamedFormat {
  head: string;
  host(host: HostResult, position: number): string;
  tail(stats: ScanStats, hostCount: number): string;
}

/** Where one format's text goes. */
interface Sink {
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

// Hosts are gathered into writes of this size, or written after this long, whichever comes first:
// one write per host of a /16 costs more than the scan's own output rendering.
const FLUSH_BYTES = 64 * 1024;
const FLUSH_AFTER_MS = 200;

/** Runs `flush` `after` ms, or at the end of this turn of the event loop; returns its cancel. */
function scheduleFlush(flush: () => void, after: number | 'turn'): () => void {
  if (after === 'turn') {
    const immediate = setImmediate(flush);
    return () => clearImmediate(immediate);
  }
  const timer = setTimeout(flush, after).unref();
  return () => clearTimeout(timer);
}

/**
 * Text gathered into writes of FLUSH_BYTES, or written `after` it came (ms, or at the end of the
 * event loop's turn), whichever is first; `close` writes the rest. A write that fails is reported by
 * the next `write` or by `close`.
 */
function batched(
  flushText: (text: string) => Promise<void>,
  onClose: () => Promise<void>,
  after: number | 'turn' = FLUSH_AFTER_MS,
): Sink {
  let buffered: string[] = [];
  let size = 0;
  let cancel: (() => void) | undefined;
  let writing: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | null = null;
  const flush = () => {
    cancel?.();
    cancel = undefined;
    if (size === 0) return writing;
    const text = buffered.join('');
    buffered = [];
    size = 0;
    writing = writing
      .then(() => flushText(text))
      .catch((error: unknown) => {
        failure ??= { error };
      });
    return writing;
  };
  return {
    async write(text) {
      if (failure) throw failure.error;
      buffered.push(text);
      size += text.length;
      if (size >= FLUSH_BYTES) await flush();
      else cancel ??= scheduleFlush(flush, after);
    },
    async close() {
      await flush();
      await onClose();
      if (failure) throw failure.error;
    },
  };
}

/** A file written in batches; what is written stays when the process is killed. */
async function openFileSink(path: string): Promise<Sink> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'w');
  } catch (error) {
    throw await writeError(path, error);
  }
  return batched(
    async (text) => {
      try {
        await handle.writeFile(text);
      } catch (error) {
        throw await writeError(path, error);
      }
    },
    () => handle.close(),
  );
}

/** Opens every output, prints the headers; the returned sink takes hosts as they finish. */
export async function openScanOutput(setup: ScanOutputSetup): Promise<ScanOutput> {
  const { options, files } = setup;
  const startedAt = new Date();
  const stats: ScanStats = {
    startedAt: startedAt.toISOString(),
    endedAt: startedAt.toISOString(),
    elapsedMs: 0,
    addressesScanned: 0,
    hostsUp: 0,
    hostsDown: 0,
    interrupted: false,
  };
  const head: Omit<ScanReport, 'hosts'> = {
    tool: 'earshot',
    version: VERSION,
    kind: 'scan',
    args: process.argv.slice(2),
    scanInfo: setup.scanInfo,
    stats,
  };
  const showReason = options.reason ?? false;
  const text = (textOptions: Parameters<typeof renderHostText>[1]): StreamedFormat => ({
    head: renderScanHeader(head),
    host: (host) => renderHostText(host, textOptions),
    tail: (final) => renderScanFooter(final),
  });
  const formats: Record<OutputFormat, () => StreamedFormat> = {
    normal: () => text({ showReason }),
    grepable: () => ({
      head: renderScanGrepableHeader(head),
      host: (host) => renderGrepableHost(host),
      tail: (final) => renderScanGrepableFooter(final),
    }),
    json: () => ({
      head: renderScanJsonHead(head),
      host: (host, position) => renderScanJsonHost(host, position),
      tail: (final, count) => renderScanJsonTail(final, count),
    }),
    xml: () => {
      const header = { ...head, startedAt: stats.startedAt };
      return {
        head: renderScanXmlHeader(header),
        host: (host) => renderScanXmlHost(host, header),
        tail: (final) => renderScanXmlFooter(final),
      };
    },
  };

  const opened: Sink[] = [];
  // stdout gets what one turn of the event loop finished in one write, at the end of that turn (a
  // write per host was a tenth of a /16 scan's main thread). Not later: a longer delay would hold
  // back the EPIPE of a reader that went away (earshot scan | head -1) until after the interrupt
  // handler is gone. It stays open for the process: closing it only writes the rest.
  const stdout = batched(
    async (text) => setup.print(text),
    async () => undefined,
    'turn',
  );
  const outputs: { format: StreamedFormat; sink: Sink }[] = [];
  try {
    // A format written to stdout ("-oX -") replaces the text there, as --json does.
    const stdoutTaken = Object.values(files).includes('-');
    if (!stdoutTaken) {
      const color = setup.stdoutIsTerminal && !options.json;
      const main = options.json
        ? formats.json()
        : text({ color, showReason, showVersion: setup.showVersion });
      outputs.push({ format: main, sink: stdout });
    }
    for (const [format, path] of Object.entries(files) as [OutputFormat, string][]) {
      const sink = path === '-' ? stdout : await openFileSink(path);
      if (path !== '-') opened.push(sink);
      outputs.push({ format: formats[format](), sink });
    }
    // "-o -" is the report on stdout, where it already goes.
    if (options.output !== undefined && options.output !== '-') {
      const sink = await openFileSink(options.output);
      opened.push(sink);
      const format = options.json ? formats.json() : text({ showReason, showVersion: setup.showVersion });
      outputs.push({ format, sink });
    }
  } catch (error) {
    await Promise.allSettled(opened.map((sink) => sink.close()));
    throw error;
  }
  for (const { format, sink } of outputs) await sink.write(format.head);

  let count = 0;
  const closeAll = async () => {
    const closing = await Promise.allSettled([stdout, ...opened].map((sink) => sink.close()));
    const failed = closing.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  };
  return {
    async host(host) {
      stats.addressesScanned++;
      if (host.status === 'up') stats.hostsUp++;
      else stats.hostsDown++;
      for (const { format, sink } of outputs) await sink.write(format.host(host, count));
      count++;
    },
    abandon: closeAll,
    async finish({ interrupted }) {
      const endedAt = new Date();
      stats.interrupted = interrupted;
      stats.endedAt = endedAt.toISOString();
      stats.elapsedMs = endedAt.getTime() - startedAt.getTime();
      for (const { format, sink } of outputs) await sink.write(format.tail(stats, count));
      await closeAll();
    },
  };
}
