// Where the test fixtures live (test/fixtures/: real captures of procfs, portmapper replies, nmap
// output, catalogs), resolved in one place whatever the test file's depth.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** The absolute path of `relative` under test/fixtures/ (no trailing slash added or removed). */
export function fixturePath(relative = ''): string {
  return `${root}${relative}`;
}

/** A fixture's bytes, or its text when `encoding` is given. */
export function readFixture(relative: string): Buffer;
export function readFixture(relative: string, encoding: BufferEncoding): string;
export function readFixture(relative: string, encoding?: BufferEncoding): Buffer | string {
  return encoding ? readFileSync(fixturePath(relative), encoding) : readFileSync(fixturePath(relative));
}
