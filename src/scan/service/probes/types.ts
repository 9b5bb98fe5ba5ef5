// What a service probe is: earshot's own data about one protocol — what to send (if anything) and how
// to read the reply into a name, product and version. Adding a protocol is adding one file.

/** Where a probe is sent: the address and port (for Host headers and SNI-like fields). */
export interface ProbeContext {
  address: string;
  port: number;
}

/** What a reply says about the service, with nmap's 0..10 confidence. */
export interface ProbeMatch {
  name: string;
  product?: string;
  version?: string;
  extraInfo?: string;
  /** Operating systems the reply names (`Debian`, `Ubuntu`, `Linux`, ...). */
  osHints?: string[];
  confidence: number;
}

/** One protocol's probe: a request (absent for protocols that speak first) and its match rules. */
export interface ServiceProbe {
  /** Short protocol id (`ssh`, `http`, ...). */
  id: string;
  /** Ports where this protocol is most likely; there it is tried first. */
  ports: readonly number[];
  /** Bytes to send after connecting; absent when the server speaks first (a banner). */
  request?: (context: ProbeContext) => Uint8Array;
  /** True once `reply` holds enough to decide, so the reader need not wait for quiet. */
  complete?: (reply: Buffer) => boolean;
  /** Names the service from the reply, or null when the reply is not this protocol. Never throws. */
  match: (reply: Buffer, context: ProbeContext) => ProbeMatch | null;
}

/** The reply's first line (without CR LF), as latin1 so every byte survives; null before a newline. */
export function firstLine(reply: Buffer): string | null {
  const end = reply.indexOf(0x0a);
  if (end < 0) return null;
  return reply.subarray(0, end).toString('latin1').replace(/\r$/, '');
}

/** True once the reply holds at least one complete line. */
export const hasLine = (reply: Buffer): boolean => reply.includes(0x0a);

// Distribution names as banners spell them (OpenSSH's "Debian-2+deb12u3", Postfix's "(Debian/GNU)").
const OS_WORDS: [RegExp, string][] = [
  [/\bdebian\b|\+deb\d+u\d+/i, 'Debian'],
  [/\bubuntu\b/i, 'Ubuntu'],
  [/\bfedora\b/i, 'Fedora'],
  [/\bred ?hat\b|\brhel\b|\.el\d+\b/i, 'Red Hat'],
  [/\bcentos\b/i, 'CentOS'],
  [/\bfreebsd\b/i, 'FreeBSD'],
  [/\bopenbsd\b/i, 'OpenBSD'],
  [/\bwin(32|64|dows)\b/i, 'Windows'],
];

/** Operating system names mentioned in a banner line. */
export function osHintsIn(text: string): string[] {
  return OS_WORDS.filter(([pattern]) => pattern.test(text)).map(([, name]) => name);
}

/** Leaves out undefined fields so the JSON stays minimal. */
export function compactMatch(match: ProbeMatch): ProbeMatch {
  const out: ProbeMatch = { name: match.name, confidence: match.confidence };
  if (match.product) out.product = match.product;
  if (match.version) out.version = match.version;
  if (match.extraInfo) out.extraInfo = match.extraInfo;
  if (match.osHints && match.osHints.length > 0) out.osHints = [...new Set(match.osHints)];
  return out;
}
