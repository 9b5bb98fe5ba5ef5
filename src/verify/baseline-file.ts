// Reading a baseline file from disk; reconcile/baseline.ts parses its text (reconcile does no I/O).
import { readFile } from 'node:fs/promises';
import { EarshotError, errnoCode } from '../errors.js';
import { parseBaseline } from '../reconcile/baseline.js';
import type { BaselineSource } from './verify.js';

/** Reads and parses the baseline at `path`; ERR_BASELINE names the file and the fix. */
export async function readBaseline(path: string): Promise<BaselineSource> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new EarshotError(
      'ERR_BASELINE',
      `Cannot read the baseline "${path}" (${errnoCode(error) ?? String(error)}): create one with "earshot baseline save ${path}".`,
      { cause: error },
    );
  }
  return { baseline: parseBaseline(text, path), source: path };
}
