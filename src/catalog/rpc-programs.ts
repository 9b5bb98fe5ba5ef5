// ONC RPC program names from /etc/rpc (rpc(5)), so that a program number reads as "ypbind".
import { errnoCode } from '../errors.js';
import { readBoundedTextFile } from '../io/bounded-read.js';
import { INPUT_FILES } from '../io/input-files.js';

/** One line of /etc/rpc. */
export interface RpcProgramEntry {
  name: string;
  program: number;
  aliases: string[];
}

/** Program number → name look-ups. */
export interface RpcProgramCatalog {
  nameOf(program: number): string | null;
  entries(): readonly RpcProgramEntry[];
}

/** Parses /etc/rpc text: `name number [aliases...] [# comment]`. Lines that do not fit are skipped. */
export function parseEtcRpc(text: string): RpcProgramEntry[] {
  const entries: RpcProgramEntry[] = [];
  for (const rawLine of text.split('\n')) {
    const hash = rawLine.indexOf('#');
    const fields = (hash === -1 ? rawLine : rawLine.slice(0, hash)).trim().split(/\s+/);
    if (fields.length < 2) continue;
    const [name, number, ...aliases] = fields as [string, string, ...string[]];
    if (!/^\d{1,10}$/.test(number)) continue;
    const program = Number(number);
    if (program > 0xffffffff) continue;
    entries.push({ name, program, aliases });
  }
  return entries;
}

/** Builds a catalog from parsed entries; the first name for a number wins, as in getrpcbynumber(3). */
export function createRpcProgramCatalog(entries: RpcProgramEntry[]): RpcProgramCatalog {
  const byNumber = new Map<number, string>();
  for (const entry of entries) if (!byNumber.has(entry.program)) byNumber.set(entry.program, entry.name);
  return { nameOf: (program) => byNumber.get(program) ?? null, entries: () => entries };
}

/** Loads /etc/rpc (or `rpcPath`); a missing default file gives an empty catalog. */
export async function loadRpcProgramCatalog(options: { rpcPath?: string } = {}): Promise<RpcProgramCatalog> {
  const rpcPath = options.rpcPath ?? '/etc/rpc';
  try {
    return createRpcProgramCatalog(
      parseEtcRpc(await readBoundedTextFile(rpcPath, { kind: INPUT_FILES.rpc })),
    );
  } catch (error) {
    // A missing default /etc/rpc gives an empty catalog: programs are then shown by number.
    if (options.rpcPath === undefined && errnoCode((error as Error).cause) === 'ENOENT') {
      return createRpcProgramCatalog([]);
    }
    throw error;
  }
}
