// Running out of descriptors is "retry later" in verify too: the scan beside the other witnesses
// holds most of them under a low open-files limit, and a step that failed only for that is made
// again once some are free, a bounded number of times.
import { errnoCode } from '../errors.js';

/** The errors that mean "out of descriptors or buffers": they say nothing about a port or a peer. */
export const STARVED = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM']);
/** How many times a starved step is tried, and how long apart. */
export const STARVED_ROUNDS = 20;
export const STARVED_PAUSE_MS = 50;

/** Runs `query` again, a few times, while it fails only for lack of descriptors (EMFILE, ENFILE...). */
export async function whenDescriptorsFree<T>(query: () => Promise<T>, signal: AbortSignal): Promise<T> {
  for (let round = 1; ; round++) {
    try {
      return await query();
    } catch (error) {
      const code = errnoCode(error) ?? errnoCode((error as { cause?: unknown } | null)?.cause);
      if (signal.aborted || round >= STARVED_ROUNDS || !STARVED.has(code ?? '')) throw error;
      await new Promise((resolve) => setTimeout(resolve, STARVED_PAUSE_MS));
    }
  }
}
