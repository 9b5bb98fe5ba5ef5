// Every kind of file earshot reads, with the most it reads of one (docs/input-limits.md lists the same
// caps). A cap keeps a wrong path (/dev/zero, a 40 GB log) from eating the host's memory; each is far
// above what the file holds in real use, so that real files are never refused.
import type { EarshotErrorCode } from '../errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** What a bounded read needs to know about one kind of file. */
export interface InputFileKind {
  /** How messages name it: `Cannot read the ${what} "path": ...`. */
  what: string;
  /** The most bytes earshot reads of one such file; a larger one is refused. */
  maxBytes: number;
  /** The error code a read failure of this kind raises. */
  code: EarshotErrorCode;
  /** What to do when the file does not exist (the path is appended when the hint needs it). */
  missingHint: (path: string) => string;
}

const checkPath = () => 'check the path';

/** The kinds, by the job each file does. */
export const INPUT_FILES = {
  /** `verify --baseline`: a 130,000-listener baseline is ~12 MiB of YAML. */
  baseline: {
    what: 'baseline',
    maxBytes: 64 * MiB,
    code: 'ERR_BASELINE',
    missingHint: (path) => `create one with "earshot baseline save ${path}"`,
  },
  /** `-iL`: one target per line; 64 MiB is about four million addresses. */
  targets: { what: 'target file', maxBytes: 64 * MiB, code: 'ERR_TARGET_FILE', missingHint: checkPath },
  /** `--exclude-file`, the same format. */
  excludes: { what: 'exclude file', maxBytes: 64 * MiB, code: 'ERR_TARGET_FILE', missingHint: checkPath },
  /** `/etc/services` or `--services-file` (Debian's is 12 KiB, IANA's whole registry ~1 MiB). */
  services: { what: 'service catalog', maxBytes: 16 * MiB, code: 'ERR_CATALOG_READ', missingHint: checkPath },
  /** `/etc/rpc` or `--rpc-file` (a few KiB). */
  rpc: { what: 'RPC program list', maxBytes: 4 * MiB, code: 'ERR_CATALOG_READ', missingHint: checkPath },
  /** `/etc/passwd` or `--passwd-file`: uid → user name (a million users is ~60 MiB). */
  passwd: { what: 'user database', maxBytes: 128 * MiB, code: 'ERR_CATALOG_READ', missingHint: checkPath },
  /** A report for `earshot diff` (earshot JSON or nmap XML). */
  report: {
    what: 'report',
    maxBytes: 256 * MiB,
    code: 'ERR_REPORT_READ',
    missingHint: () => 'check the path',
  },
  /** /proc/net/{tcp,tcp6,udp,udp6}: ~150 bytes a socket, so about 1.7 million sockets. */
  socketTable: { what: 'socket table', maxBytes: 256 * MiB, code: 'ERR_PROC_READ', missingHint: checkPath },
  /** /proc/net/nf_conntrack: ~250 bytes an entry; a million entries fit. */
  conntrack: { what: 'conntrack table', maxBytes: 256 * MiB, code: 'ERR_PROC_READ', missingHint: checkPath },
  /** /proc/<pid>/{stat,status,cmdline,cgroup} and /proc/stat: cmdline is at most ARG_MAX (2 MiB). */
  processFile: { what: 'process file', maxBytes: 4 * MiB, code: 'ERR_PROC_READ', missingHint: checkPath },
  /** `agent --token-file`: one token of at most 512 characters on one line. */
  agentToken: {
    what: 'token file',
    maxBytes: 4 * KiB,
    code: 'ERR_OPTION',
    missingHint: () => 'write the token that `earshot server token --agent HOST` printed into it',
  },
  /** `agent --ca`: PEM certificates; Debian's whole CA bundle is ~220 KiB. */
  caCertificate: { what: 'CA file', maxBytes: 4 * MiB, code: 'ERR_OPTION', missingHint: checkPath },
  /** `server --tls-cert`: a PEM certificate and its chain (a few KiB). */
  tlsCertificate: { what: 'TLS certificate', maxBytes: 4 * MiB, code: 'ERR_OPTION', missingHint: checkPath },
  /** `server --tls-key`: a PEM private key (an RSA 16384-bit key is ~13 KiB). */
  tlsKey: { what: 'TLS key', maxBytes: 4 * MiB, code: 'ERR_OPTION', missingHint: checkPath },
} as const satisfies Record<string, InputFileKind>;

/** The name of one kind of input file. */
export type InputFileName = keyof typeof INPUT_FILES;
