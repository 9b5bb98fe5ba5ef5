// `local` as a library: the kernel's socket tables with their owners, narrowed as asked, in the
// shape `earshot local --json` prints.
import type { LocalReport } from '../model.js';
import { VERSION } from '../version.js';
import { filterSockets, type SocketFilter } from './filter.js';
import { type ReadSocketsOptions, readSockets } from './read-sockets.js';

/** What local reads (readSockets' options) and which sockets it keeps. */
export interface LocalOptions extends ReadSocketsOptions {
  filter?: SocketFilter;
}

/** Reads the socket tables and every owner; by default only listening sockets, as `ss -l` lists. */
export async function local(options: LocalOptions = {}): Promise<LocalReport> {
  const { filter, ...read } = options;
  const inventory = await readSockets({ listeningOnly: true, ...read });
  if (filter) inventory.sockets = filterSockets(inventory.sockets, filter);
  return { tool: 'earshot', version: VERSION, kind: 'local', ...inventory };
}
