// Reads a socket table's text from procfs: whole, or for TCP listeners only its leading part.
//
// The kernel prints /proc/net/tcp and tcp6 in two passes (net/ipv4/tcp_ipv4.c, tcp_seq_next): first
// the listening hash, then the established hash. Every LISTEN line therefore comes before the first
// connection line, and a reader that wants only listeners can stop there. On a busy host that skips
// most of the table, and most of the kernel's work: it formats each line as it is read (about 3 µs a
// line here), so 6,000 connections cost ~20 ms that `earshot local` does not need to spend.
import { closeSync, readSync } from 'node:fs';
import { inputFileError, openRegularFileSync, readBoundedTextFileSync, tooBig } from '../io/bounded-read.js';
import { INPUT_FILES } from '../io/input-files.js';

// States seen in the listening pass: LISTEN, and on kernels before 4.4 the SYN_RECV requests
// printed under their listener. CLOSE is there for a listener caught while it shuts down. Reading
// stops at the first line with any other state: that line belongs to the established pass.
const LISTENING_PASS_STATES = new Set(['0A', '03', '07']);

// A line: "   0: 0100007F:0016 00000000:0000 0A ...". The state is the fourth field.
const STATE_FIELD = /^\s*\d+:\s+\S+\s+\S+\s+([0-9A-Fa-f]{2})\s/;

const DEFAULT_CHUNK_BYTES = 64 * 1024;

/**
 * The whole table as text (latin1: the tables are ASCII, and a garbled byte must not throw), at most
 * the socket-table cap; throws the cap's, a non-file's or open's ERR_PROC_READ.
 */
export function readTableText(path: string): string {
  return readBoundedTextFileSync(path, { kind: INPUT_FILES.socketTable, encoding: 'latin1' });
}

/**
 * The header and the leading lines of a TCP table up to the first line of the established pass: all
 * of its LISTEN lines. A line whose state cannot be read (garbled) is kept for the parser to report,
 * and reading goes on. Throws ERR_PROC_READ as readTableText does.
 * `chunkBytes` is the read size (tests make it small to cut lines between reads).
 */
export function readTcpListeningPrefix(path: string, chunkBytes = DEFAULT_CHUNK_BYTES): string {
  const kind = INPUT_FILES.socketTable;
  const fd = openRegularFileSync(path, { kind });
  try {
    const buffer = Buffer.allocUnsafe(chunkBytes);
    let kept = '';
    let pending = '';
    for (let total = 0; ; ) {
      // procfs hands out about one page per read; a copied table (a regular file) may end a chunk
      // in the middle of a line, which waits in `pending` for the rest.
      const count = readSync(fd, buffer, 0, chunkBytes, null);
      if (count === 0) return kept + pending;
      total += count;
      if (total > kind.maxBytes) throw inputFileError(kind, path, tooBig(kind));
      const text = pending + buffer.toString('latin1', 0, count);
      let start = 0;
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
        const state = STATE_FIELD.exec(text.slice(start, end))?.[1]?.toUpperCase();
        if (state !== undefined && !LISTENING_PASS_STATES.has(state)) return kept + text.slice(0, start);
        start = end + 1;
      }
      kept += text.slice(0, start);
      pending = text.slice(start);
    }
  } finally {
    closeSync(fd);
  }
}
