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
} from './report/scan-text.js';
export { escapeForTerminal } from './report/terminal-escape.js';
export { DISCOVERY_PORTS, type DiscoveryResult, discoverHosts } from './scan/discovery.js';
export {
  bannerHintsOf,
  guessOs,
  initialTtlOf,
  type OsEvidence,
  pickOsProbePorts,
  probeOsEvidence,
} from './scan/os-guess.js';
export { OS_SIGNATURES, type OsSignature } from './scan/os-signatures.js';
export { defaultPorts, defaultTcpPorts, formatPortSpec, parsePortSpec } from './scan/ports.js';
export {
  buildSyn,
  openRawTcp,
  parseTcpPacket,
  type RawTcp,
  type RawTcpResult,
  type TcpReply,
} from './scan/raw-tcp.js';
export {
  buildPortResults,
  prepareScanThreads,
  scanHosts,
  scanUdpHosts,
  type TcpScanOptions,
  type UdpScanOptions,
} from './scan/scan-hosts.js';
export { runSynProbes, type SynProbeResult, type SynScanOptions, scanSynHosts } from './scan/syn-scan.js';
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
export { UDP_PAYLOADS, udpPayloadFor } from './scan/udp-payloads.js';
