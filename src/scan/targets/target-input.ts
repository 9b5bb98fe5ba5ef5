// Where target tokens come from besides the command line: -iL and --exclude-file files, and the
// resolver that turns host names into addresses before any packet is sent.
import { lookup } from 'node:dns/promises';
import { EarshotError, errnoCode, quote } from '../../errors.js';
import { readBoundedTextFile } from '../../io/bounded-read.js';
import { INPUT_FILES } from '../../io/input-files.js';
import type { AddressFamily } from '../../model.js';
import { splitCommaList, type TargetToken, type TokenOrigin } from './target-parse.js';

/** Resolves a host name to its addresses, first choice first. */
export type TargetResolver = (hostname: string) => Promise<{ address: string; family: AddressFamily }[]>;

const RESOLVE_CONCURRENCY = 8;

/** dns.lookup with every address, in the resolver's order. */
export const defaultResolve: TargetResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => ({
    address: entry.address,
    family: entry.family === 6 ? 'ipv6' : 'ipv4',
  }));

/** Reads a -iL or --exclude-file file into tokens: whitespace-separated, "#" starts a comment. */
export async function readTokenFile(
  path: string,
  role: TokenOrigin['role'],
  signal?: AbortSignal,
): Promise<TargetToken[]> {
  const kind = role === 'target' ? INPUT_FILES.targets : INPUT_FILES.excludes;
  const text = await readBoundedTextFile(path, { kind, signal });
  const tokens: TargetToken[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const hash = rawLine.indexOf('#');
    const line = hash === -1 ? rawLine : rawLine.slice(0, hash);
    const origin: TokenOrigin = { role, where: `${path} line ${index + 1}` };
    for (const word of line.split(/\s+/)) {
      if (word === '') continue;
      const texts = role === 'exclude' ? splitCommaList(word) : [word];
      for (const piece of texts) tokens.push({ text: piece, origin });
    }
  });
  if (tokens.length === 0 && role === 'target') {
    throw new EarshotError(
      'ERR_TARGET_FILE',
      `The target file ${quote(path)} lists no targets: put one or more per line ("#" starts a comment).`,
    );
  }
  return tokens;
}

/** Resolves every distinct name once, a few at a time; rejects with ERR_TARGET_RESOLVE or signal.reason. */
export async function resolveNames(
  names: string[],
  resolve: TargetResolver,
  signal?: AbortSignal,
): Promise<Map<string, { address: string; family: AddressFamily }[]>> {
  const results = new Map<string, { address: string; family: AddressFamily }[]>();
  let aborted: (() => void) | undefined;
  const abortPromise = new Promise<never>((_, reject) => {
    aborted = () => reject(signal?.reason);
    signal?.addEventListener('abort', aborted, { once: true });
  });
  abortPromise.catch(() => {});
  const queue = [...names];
  const lookUpNext = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      signal?.throwIfAborted();
      let found: { address: string; family: AddressFamily }[];
      try {
        found = await Promise.race([resolve(name), abortPromise]);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw new EarshotError(
          'ERR_TARGET_RESOLVE',
          `Cannot resolve ${quote(name)} (${errnoCode(error) ?? String(error)}): check the name, or give its IP address.`,
          { cause: error },
        );
      }
      if (found.length === 0) {
        throw new EarshotError(
          'ERR_TARGET_RESOLVE',
          `Cannot resolve ${quote(name)}: it has no addresses; check the name, or give its IP address.`,
        );
      }
      results.set(name, found);
    }
  };
  const worker = async (): Promise<void> => {
    try {
      await lookUpNext();
    } catch (error) {
      // One failure fails the whole preparation: the other workers need not look further.
      queue.length = 0;
      throw error;
    }
  };
  try {
    signal?.throwIfAborted();
    await Promise.all(Array.from({ length: Math.min(RESOLVE_CONCURRENCY, names.length) }, worker));
  } finally {
    if (aborted) signal?.removeEventListener('abort', aborted);
  }
  return results;
}
