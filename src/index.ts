// earshot's library surface: every public export is named here, and package.json "exports" points
// here alone.

export {
  createRpcProgramCatalog,
  loadRpcProgramCatalog,
  parseEtcRpc,
  type RpcProgramCatalog,
  type RpcProgramEntry,
} from './catalog/rpc-programs.js';
export {
  createServiceCatalog,
  loadServiceCatalog,
  parseEtcServices,
  type ServiceCatalog,
  type ServiceCatalogOptions,
  type ServiceEntry,
} from './catalog/services.js';
export {
  EarshotError,
  type EarshotErrorCode,
  errnoCode,
  isEarshotError,
  USAGE_ERROR_CODES,
} from './errors.js';
export {
  type BindProbeMethod,
  type BindProbeOptions,
  type BindProbeResult,
  probeBoundPorts,
} from './inventory/bind-probe.js';
export { type CgroupInfo, parseCgroup } from './inventory/cgroup.js';
export { filterSockets, type SocketFilter } from './inventory/filter.js';
export {
  decodeProcAddress,
  isListening,
  PROC_NET_TABLES,
  type ProcNetParse,
  type ProcNetTable,
  parseProcNet,
} from './inventory/proc-net.js';
export { type OwnerScan, scanSocketOwners } from './inventory/proc-owners.js';
export { OWNER_UNKNOWN_MESSAGE, type ReadSocketsOptions, readSockets } from './inventory/read-sockets.js';
export type * from './model.js';
export { formatOwners, renderLocalText } from './report/local-text.js';
export { renderScanJson } from './report/scan-json.js';
export {
  renderHostText,
  renderScanFooter,
  renderScanHeader,
  renderScanText,
  type ScanTextOptions,
} from './report/scan-text.js';
export { escapeForTerminal } from './report/terminal-escape.js';
export { DISCOVERY_PORTS, type DiscoveryResult, discoverHosts } from './scan/discovery.js';
export {
  dumpPortmapper,
  type PortmapperDump,
  type PortmapperQuery,
  type PortmapperVersion,
  parseUniversalAddress,
  queryPortmapper,
} from './scan/portmapper.js';
export { defaultTcpPorts, formatPortSpec, parsePortSpec } from './scan/ports.js';
export { buildPortResults, prepareScanThreads, scanHosts, type TcpScanOptions } from './scan/scan-hosts.js';
export {
  type PreparedTargets,
  type PrepareTargetsOptions,
  prepareTargets,
  type ScanTarget,
  type TargetResolver,
  type TargetSpec,
} from './scan/targets.js';
export {
  parseDurationMs,
  resolveTiming,
  type TimingOptions,
  type TimingPreset,
} from './scan/timing.js';
