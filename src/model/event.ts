// watch's and history's part of the contract: the one event type that watch emits, the store keeps,
// sinks and the fleet agent deliver (schema/earshot-event.schema.json), and the history timeline
// (`earshot history --json`). Types only.
import type { Owner } from './kernel.js';
import type { Protocol } from './network.js';
import type { Finding, Severity } from './verify.js';

/** What happened: a listener came or went or changed hands, a finding appeared or cleared, a verify ran. */
export type EarshotEventType =
  | 'listener-opened'
  | 'listener-closed'
  | 'owners-changed'
  | 'finding'
  | 'finding-cleared'
  | 'verify';

/** What a periodic verify found, in short; the whole report is kept in the store under `reportId`. */
export interface VerifyEventSummary {
  /** The id of the stored verify report (the fleet agent's snapshot id). */
  reportId: string;
  startedAt: string;
  endedAt: string;
  elapsedMs: number;
  interrupted: boolean;
  /** Findings of the report by severity. */
  summary: Record<Severity, number>;
  /** Findings that the previous verify did not have. */
  newFindings: number;
  /** Findings of the previous verify that this one no longer has. */
  clearedFindings: number;
}

/** One thing watch saw, as one JSON object (one line of `earshot watch --json`). */
export interface EarshotEvent {
  /** Unique (a random UUID): receivers use it to drop a delivery they already have. */
  id: string;
  type: EarshotEventType;
  /** When watch saw it (ISO 8601, UTC). */
  time: string;
  /** The host's name (os.hostname()). */
  host: string;
  /** The event's severity: a finding's own, notice for a new listener or new owners, info otherwise. */
  severity: Severity;
  /** The endpoint; null for a `verify` event. */
  protocol: Protocol | null;
  port: number | null;
  address: string | null;
  /** The processes holding the listener now (for a closed one: the last seen); [] when unseen. */
  owners: Owner[];
  /** owners-changed: the processes that held it before. */
  previousOwners?: Owner[];
  /** listener-closed, owners-changed: when the listener opened (the start of its interval). */
  openedAt?: string;
  /** finding, finding-cleared: the finding as verify's JSON report has it. */
  finding?: Finding;
  /** verify: what the run found. */
  verify?: VerifyEventSummary;
}

/** One listener's interval in the history: when it opened and closed, and who held it. */
export interface HistoryListener {
  protocol: Protocol;
  port: number;
  address: string;
  /** The processes last seen holding it. */
  owners: Owner[];
  openedAt: string;
  /** null while it is still open. */
  closedAt: string | null;
  /** Each owner set the listener had, oldest first, from when it was first seen with it. */
  ownerHistory: { since: string; owners: Owner[] }[];
}

/** One finding's interval in the history: first seen by a verify, last seen, cleared. */
export interface HistoryFinding extends Finding {
  /** Whose verify runs found it: watch's periodic verify, or `earshot verify --save`. */
  source: 'watch' | 'verify';
  firstSeenAt: string;
  lastSeenAt: string;
  /** null while verify still finds it. */
  clearedAt: string | null;
}

/** The timeline `earshot history --json` prints. */
export interface HistoryReport {
  tool: 'earshot';
  version: string;
  kind: 'history';
  /** The store read. */
  database: string;
  /** The start of the window (ISO 8601); everything that overlaps it is listed. */
  since: string;
  listeners: HistoryListener[];
  findings: HistoryFinding[];
  events: EarshotEvent[];
}
