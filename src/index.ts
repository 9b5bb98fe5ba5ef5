// earshot's library surface: the entry points (verify, scan, local and the other witnesses), their
// options, the report renderers and readers, and the JSON contract's types. package.json "exports"
// points here alone; everything not named here is internal and may change.

export { loadRpcProgramCatalog, type RpcProgramCatalog } from './catalog/rpc-programs.js';
export { loadServiceCatalog, type ServiceCatalog, type ServiceEntry } from './catalog/services.js';
export { diffReports, type ReportDiff } from './compare/diff.js';
export { readReport } from './compare/read-report.js';
export { loadReportValidator, type ReportValidator } from './compare/report-schema.js';
export { EarshotError, type EarshotErrorCode, isEarshotError, USAGE_ERROR_CODES } from './errors.js';
export { parseServerUrl, readCaFile, readTokenFile } from './fleet/agent/credentials.js';
export type { PushRecord } from './fleet/agent/push-queue.js';
export { buildSnapshot, type SnapshotInput } from './fleet/agent/snapshot.js';
export { type AgentHandle, type AgentOptions, startAgent } from './fleet/agent/start-agent.js';
// The server's functions load Fastify and pg on first call (library.ts), not with this module.
export {
  addServerUser,
  createServerToken,
  listServerTokens,
  revokeServerTokens,
  startServer,
} from './fleet/server/library.js';
export type { RunningServer, ServerOptions } from './fleet/server/server.js';
export { type BindProbeOptions, type BindProbeResult, probeBoundPorts } from './inventory/bind-probe.js';
export { readConntrack } from './inventory/conntrack.js';
export type { SocketFilter } from './inventory/filter.js';
export { type LocalOptions, local } from './inventory/local.js';
export { type ReadSocketsOptions, readSockets } from './inventory/read-sockets.js';
export type * from './model.js';
export {
  type Baseline,
  type BaselineEntry,
  createBaseline,
  formatBaseline,
  parseBaseline,
} from './reconcile/baseline.js';
export { overallLevel } from './reconcile/findings.js';
export { type ReconcileInput, type ReconcileResult, reconcile } from './reconcile/reconcile.js';
export { renderDiffText } from './report/diff-text.js';
export { renderEventLine } from './report/event-text.js';
export { renderLocalText } from './report/local-text.js';
export { renderScanGrepable, renderVerifyGrepable } from './report/scan/grepable.js';
export { renderScanXml } from './report/scan/nmap-xml.js';
export { renderScanJson } from './report/scan/scan-json.js';
export { renderScanText } from './report/scan/scan-text.js';
export { escapeForTerminal } from './report/terminal-escape.js';
export { renderVerifyHtml } from './report/verify/verify-html.js';
export { renderVerifyText } from './report/verify/verify-text.js';
export { renderVerifyXml } from './report/verify/verify-xml.js';
export { type PortmapperQuery, queryPortmapper } from './scan/rpc/portmapper.js';
export { type ScanOptions, type ScanRun, scan } from './scan/scan.js';
export { detectServices, type ServiceDetectOptions } from './scan/service/service-detect.js';
export { parsePortSpec } from './scan/targets/ports.js';
export { type OpenStoreOptions, openStore } from './store/open-store.js';
export type { PendingDelivery } from './store/outbox.js';
export type { Store, WriterClaim } from './store/store.js';
export { type RecordedVerify, recordVerifyRun } from './store/verify-record.js';
export type { StoredVerifyRun, VerifyRunSource } from './store/verify-runs.js';
export { readBaseline } from './verify/baseline-file.js';
export { type BaselineSource, DEFAULT_VERIFY_TARGETS, type VerifyOptions, verify } from './verify/verify.js';
export { VERSION } from './version.js';
export type { VerifyRunResult, WatchVerifyOptions } from './watch/periodic-verify.js';
export { type ExecSinkOptions, execSink } from './watch/sinks/exec.js';
export type { Sink } from './watch/sinks/sink.js';
export { type SyslogSinkOptions, syslogSink } from './watch/sinks/syslog.js';
export { type WebhookSinkOptions, webhookSink } from './watch/sinks/webhook.js';
export {
  startWatch,
  type WatchedListener,
  type WatchHandle,
  type WatchOptions,
} from './watch/start-watch.js';
