// A private temporary folder per test file, removed when the tests finish.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary folder: `write` puts a file in it and returns its path; `remove` deletes it all. */
export interface TempDir {
  path: string;
  write(name: string, content: string): Promise<string>;
  remove(): Promise<void>;
}

/** Makes a temporary folder named after `label`. */
export async function makeTempDir(label: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `earshot-${label}-`));
  return {
    path,
    async write(name, content) {
      const file = join(path, name);
      await writeFile(file, content);
      return file;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}
