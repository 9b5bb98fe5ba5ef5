// `earshot baseline save FILE`: record this host's approved listeners for `verify --baseline`.
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Command } from 'commander';
import { loadRpcProgramCatalog } from '../../catalog/rpc-programs.js';
import { loadServiceCatalog } from '../../catalog/services.js';
import { EarshotError, errnoCode } from '../../errors.js';
import { readSockets } from '../../inventory/read-sockets.js';
import type { RpcRegistration } from '../../model.js';
import { createBaseline, formatBaseline } from '../../reconcile/baseline.js';
import { baselineCandidates, reconcile } from '../../reconcile/reconcile.js';
import { escapeForTerminal } from '../../report/terminal-escape.js';
import { queryPortmapper } from '../../scan/rpc/portmapper.js';

async function registrationsIfPortmapper(hasPortmapper: boolean): Promise<RpcRegistration[]> {
  if (!hasPortmapper) return [];
  try {
    return await queryPortmapper({ address: '127.0.0.1', rpcPrograms: await loadRpcProgramCatalog() });
  } catch {
    // Without the portmapper's answer RPC services are recorded by port, which still works until they restart.
    return [];
  }
}

async function runSave(file: string, options: { procRoot?: string; force?: boolean }): Promise<void> {
  const inventory = await readSockets({ procRoot: options.procRoot, listeningOnly: true });
  const portmapperListens = inventory.sockets.some(
    (socket) => socket.protocol === 'tcp' && socket.localPort === 111,
  );
  const rpc = await registrationsIfPortmapper(portmapperListens);
  const result = reconcile({
    hosts: [],
    scannedPorts: {},
    inventory,
    bind: [],
    rpc,
    conntrack: { available: false, detail: 'not used', entries: [] },
    catalog: await loadServiceCatalog(),
    baseline: null,
  });
  const baseline = createBaseline(baselineCandidates(result.ports));
  const text = formatBaseline(
    baseline,
    `earshot baseline of ${hostname()}, saved ${new Date().toISOString()}.`,
  );
  try {
    await writeFile(file, text, { flag: options.force ? 'w' : 'wx' });
  } catch (error) {
    const code = errnoCode(error);
    throw new EarshotError(
      'ERR_OPTION',
      code === 'EEXIST'
        ? `The baseline "${file}" already exists: pass --force to overwrite it.`
        : `Cannot write the baseline "${file}" (${code ?? String(error)}).`,
      { cause: error },
    );
  }
  const unseen = inventory.complete
    ? ''
    : ' Some owners could not be seen (run as root): their exe and user are not recorded.';
  process.stderr.write(
    `earshot: saved ${baseline.listeners.length} approved listeners to ${escapeForTerminal(file)}.${unseen}\n`,
  );
}

/** Builds the `baseline` command group. */
export function baselineCommand(): Command {
  const baseline = new Command('baseline').description('record the approved listeners for verify --baseline');
  baseline
    .command('save')
    .description("write this host's current listeners (TCP and UDP) to FILE as an editable YAML baseline")
    .argument('<file>', 'where to write the baseline')
    .option('--force', 'overwrite FILE if it exists')
    .option('--proc-root <dir>', 'read the kernel tables from this procfs mount (default /proc)')
    .addHelpText(
      'after',
      `
Each listener is recorded with protocol, port, address, executable and user; RPC services
(registered with the portmapper) are recorded by program number instead of port, since their
ports move on restart. Review the file, delete what is not approved, then run
"earshot verify --baseline FILE": a new listener is critical (not-in-baseline), a missing one a
warning (missing-from-baseline).

Example:
  earshot baseline save /etc/earshot/baseline.yaml`,
    )
    .action(runSave);
  return baseline;
}
