// Reading a baseline file from disk; reconcile/baseline.ts parses its text (reconcile does no I/O).
import { readBoundedTextFile } from '../io/bounded-read.js';
import { INPUT_FILES } from '../io/input-files.js';
import { parseBaseline } from '../reconcile/baseline.js';
import type { BaselineSource } from './verify.js';

/** Reads and parses the baseline at `path`; ERR_BASELINE names the file and the fix. */
export async function readBaseline(
  path: string,
  options: { signal?: AbortSignal } = {},
): Promise<BaselineSource> {
  const text = await readBoundedTextFile(path, { kind: INPUT_FILES.baseline, signal: options.signal });
  return { baseline: parseBaseline(text, path), source: path };
}
