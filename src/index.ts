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
export { type ConntrackTable, parseConntrack, readConntrack } from './inventory/conntrack.js';
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
export {
  type Baseline,
  type BaselineCandidate,
  type BaselineEntry,
  createBaseline,
  formatBaseline,
  parseBaseline,
} from './reconcile/baseline.js';
export { FINDING_SEVERITY } from './reconcile/findings.js';
export type { BindWitnessInput, ConntrackInput } from './reconcile/hidden.js';
export type { ScannedPorts } from './reconcile/join.js';
export {
  baselineCandidates,
  type ReconcileInput,
  type ReconcileResult,
  reconcile,
} from './reconcile/reconcile.js';
export type { ComparableHost, ComparablePort, ComparableReport } from './report/comparable.js';
export {
  diffReports,
  type HostDiff,
  type NotShownCount,
  type PortChangeKind,
  type PortDiff,
  type PortView,
  type ReportDiff,
  type ReportSummary,
} from './report/diff.js';
export { renderDiffText } from './report/diff-text.js';
export { renderGrepableHost, renderScanGrepable, renderVerifyGrepable } from './report/grepable.js';
export { formatOwners, renderLocalText } from './report/local-text.js';
export {
  formatArgs,
  NMAP_XML_OUTPUT_VERSION,
  type NmapXmlOptions,
  renderPortXml,
  renderScanXml,
  renderScanXmlFooter,
  renderScanXmlHeader,
  renderScanXmlHost,
  type ScanXmlHeader,
} from './report/nmap-xml.js';
export { parseNmapXml } from './report/read-nmap-xml.js';
export { MAX_REPORT_BYTES, parseReport, readReport } from './report/read-report.js';
export {
  loadReportValidator,
  loadScanReportValidator,
  type ReportValidator,
  SCAN_REPORT_SCHEMA_URL,
  type ScanReportValidator,
  VERIFY_REPORT_SCHEMA_URL,
} from './report/report-schema.js';
export { stringifySafeJson } from './report/safe-json.js';
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
export { formatOwnerGroups, portsSeenAt, verdictLine } from './report/verify-hosts.js';
export { renderVerifyHtml } from './report/verify-html.js';
export { overallLevel, renderVerifyText, type TextRenderOptions } from './report/verify-text.js';
export { renderVerifyXml } from './report/verify-xml.js';
export {
  escapeXmlAttribute,
  escapeXmlComment,
  escapeXmlText,
  type XmlAttributes,
  xmlElement,
  xmlRepresentable,
} from './report/xml-escape.js';
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
export { orderProbes } from './scan/port-detector.js';
export { buildPortResults } from './scan/port-results.js';
export {
  dumpPortmapper,
  type PortmapperDump,
  type PortmapperQuery,
  type PortmapperVersion,
  parseUniversalAddress,
  queryPortmapper,
} from './scan/portmapper.js';
export { defaultPorts, defaultTcpPorts, formatPortSpec, parsePortSpec } from './scan/ports.js';
export { SERVICE_PROBES } from './scan/probes/index.js';
export type { ProbeContext, ProbeMatch, ServiceProbe } from './scan/probes/types.js';
export {
  buildSyn,
  openRawTcp,
  parseTcpPacket,
  type RawTcp,
  type RawTcpResult,
  type TcpReply,
} from './scan/raw-tcp.js';
export {
  prepareScanThreads,
  scanHosts,
  scanUdpHosts,
  type TcpScanOptions,
  type UdpScanOptions,
} from './scan/scan-hosts.js';
export {
  addServiceDetection,
  detectServices,
  type ServiceDetection,
  type ServiceDetectOptions,
} from './scan/service-detect.js';
export { runSynProbes, type SynProbeResult, type SynScanOptions, scanSynHosts } from './scan/syn-scan.js';
export {
  type PreparedTargets,
  type PrepareTargetsOptions,
  prepareTargets,
  type ScanTarget,
  type TargetResolver,
  type TargetSpec,
} from './scan/targets.js';
export { parseDurationMs, resolveTiming, type TimingOptions, type TimingPreset } from './scan/timing.js';
export { UDP_PAYLOADS, udpPayloadFor } from './scan/udp-payloads.js';
