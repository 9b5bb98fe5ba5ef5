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
export type * from './model.js';
export { renderScanJson } from './report/scan-json.js';
export {
  renderHostText,
  renderScanFooter,
  renderScanHeader,
  renderScanText,
  type ScanTextOptions,
  versionText,
} from './report/scan-text.js';
export { escapeForTerminal } from './report/terminal-escape.js';
export { DISCOVERY_PORTS, type DiscoveryResult, discoverHosts } from './scan/discovery.js';
export { orderProbes } from './scan/port-detector.js';
export { defaultTcpPorts, formatPortSpec, parsePortSpec } from './scan/ports.js';
export { SERVICE_PROBES } from './scan/probes/index.js';
export type { ProbeContext, ProbeMatch, ServiceProbe } from './scan/probes/types.js';
export { buildPortResults, prepareScanThreads, scanHosts, type TcpScanOptions } from './scan/scan-hosts.js';
export {
  addServiceDetection,
  detectServices,
  type ServiceDetection,
  type ServiceDetectOptions,
} from './scan/service-detect.js';
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
