// Delivers the agent's queue to the server, in order: the events watch recorded for it in the store's
// outbox, in batches (one request for up to 500 events, so that a backlog drains within the server's
// per-token request bound); before each `verify` event the report it names (the server then has the
// report the event speaks of); and, whenever the queue is empty and one is due, a snapshot. A failure
// waits with backoff (1 s doubling to 60 s, or the server's Retry-After) and retries the same
// request, so that the server, which ignores an id it has, stores each once. A body the server
// refuses for good leaves the queue with the server's reason recorded; a token it refuses stops it.
import { randomUUID } from 'node:crypto';
import type { EarshotError } from '../../errors.js';
import type { VerifyReport } from '../../model.js';
import { stringifySafeJson } from '../../report/safe-json.js';
import type { PendingDelivery } from '../../store/outbox.js';
import type { Store } from '../../store/store.js';
import { WakeablePause } from '../../watch/wakeable-pause.js';
import { AgentOutbox, eventsBody } from './agent-outbox.js';
import type { PushClient, PushReply } from './push-client.js';
import { judgeReply, splitRefusedBatch, tokenError } from './push-replies.js';

/** What went to the server, for the caller's log. */
export type PushRecord =
  | { kind: 'events'; count: number; stored: number }
  | { kind: 'report' | 'snapshot'; reportId: string; outcome: string };

/** How the queue is delivered. */
export interface PushQueueOptions {
  store: Store;
  /** The outbox queue watch fills for this server. */
  queue: string;
  client: PushClient;
  /** Builds the snapshot of the host as it is now. */
  snapshot: () => VerifyReport;
  /** The first retry's delay (default 1 s); it doubles with each failure in a row. */
  minBackoffMs?: number;
  /** The longest delay between retries (default 60 s). */
  maxBackoffMs?: number;
  /** Events per request at most (default 500; the server takes 1,000). */
  maxBatchEvents?: number;
  /** JSON bytes of events per request at most (default 512 KiB; the server takes 2 MB). */
  maxBatchBytes?: number;
  onWarning: (message: string) => void;
  onPushed?: (push: PushRecord) => void;
  /** The server refused the token: the queue has stopped. */
  onStopped: (error: EarshotError) => void;
}

type Step = 'next' | 'stop';
/** A report push: settled (taken or refused for good), retried after a wait, or the queue stopped. */
type ReportOutcome = 'settled' | 'retried' | 'stop';

const MAX_RETRY_AFTER_MS = 10 * 60_000;
const EVENTS_PATH = 'api/agent/events';
const REPORT_PATH = 'api/agent/report';

/** The agent's delivery loop over one outbox queue. */
export class PushQueue {
  readonly done: Promise<void>;
  readonly #options: PushQueueOptions;
  readonly #outbox: AgentOutbox;
  readonly #minBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #maxEvents: number;
  readonly #controller = new AbortController();
  readonly #pauses = new WakeablePause(this.#controller.signal);
  #limit: number;
  #backoffMs = 0;
  #snapshotDue = true;
  #built: { reportId: string; text: string } | null = null;
  /** Verify reports taken in this run, so that a retried batch does not send its report again. */
  readonly #reportsTaken = new Set<string>();

  constructor(options: PushQueueOptions) {
    this.#options = options;
    this.#outbox = new AgentOutbox(options.store, options.queue);
    this.#minBackoffMs = options.minBackoffMs ?? 1000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.#maxEvents = Math.min(1000, options.maxBatchEvents ?? 500);
    this.#limit = this.#maxEvents;
    this.done = this.#run();
  }

  /** Says new events are queued. */
  wake(): void {
    this.#pauses.wake();
  }

  /** Asks for a snapshot once the queue is empty. */
  requestSnapshot(): void {
    this.#snapshotDue = true;
    this.wake();
  }

  /** True while the last push failed and the queue waits to retry. */
  get failing(): boolean {
    return this.#backoffMs > 0;
  }

  /** Events the server has yet to get. */
  pending(): number {
    return this.#outbox.pending();
  }

  /** Delivers until the queue is empty, a push fails, or `deadlineMs` passes. */
  async drain(deadlineMs: number): Promise<void> {
    const until = Date.now() + deadlineMs;
    while (Date.now() < until && !this.#controller.signal.aborted) {
      if (this.failing || this.pending() === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops: a push in flight is aborted and what it carried stays queued. */
  stop(): Promise<void> {
    this.#controller.abort(new Error('agent stopped'));
    return this.done;
  }

  #pause(ms: number, wakeable: boolean): Promise<boolean> {
    return this.#pauses.wait(ms, wakeable);
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    while (!signal.aborted) {
      let batch: PendingDelivery[];
      try {
        batch = this.#outbox.nextBatch(this.#limit);
      } catch (error) {
        this.#options.onWarning((error as Error).message);
        if (!(await this.#pause(this.#maxBackoffMs, false))) return;
        continue;
      }
      let step: Step;
      if (batch.length > 0) {
        // A snapshot built before these events would be older than they are: build it again after.
        this.#built = null;
        step = await this.#sendEvents(batch);
      } else if (this.#snapshotDue) {
        step = await this.#sendSnapshot();
      } else {
        // Woken by new events or a due snapshot; the timeout only guards against a missed wake-up.
        if (!(await this.#pause(60_000, true))) return;
        continue;
      }
      if (step === 'stop') return;
    }
  }

  /** POSTs; an answer of any status, or an Error when none came. */
  async #post(path: string, body: string): Promise<PushReply | Error> {
    try {
      return await this.#options.client.post(path, body, this.#controller.signal);
    } catch (error) {
      return error as Error;
    }
  }

  async #retry(reason: string, head: PendingDelivery | null, retryAfterMs: number | null): Promise<Step> {
    if (head) this.#outbox.failed(head, reason);
    this.#backoffMs = Math.min(this.#maxBackoffMs, Math.max(this.#minBackoffMs, this.#backoffMs * 2));
    const waitMs = Math.max(this.#backoffMs, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
    this.#options.onWarning(
      `push to ${this.#options.client.server.href} failed (kept queued, retried): ${reason}`,
    );
    return (await this.#pause(waitMs, false)) ? 'next' : 'stop';
  }

  #stopFor(reply: PushReply): 'stop' {
    this.#controller.abort(new Error('the server refused the token'));
    this.#options.onStopped(tokenError(this.#options.client.server, reply));
    return 'stop';
  }

  #taken(): void {
    this.#backoffMs = 0;
    this.#limit = Math.min(this.#maxEvents, this.#limit * 2);
  }

  async #sendEvents(batch: PendingDelivery[]): Promise<Step> {
    const head = batch[0]!;
    if (head.event.type === 'verify' && head.event.verify) {
      const outcome = await this.#sendVerifyReport(head.event.verify.reportId, head);
      if (outcome !== 'settled') return outcome === 'stop' ? 'stop' : 'next';
    }
    const { items, body } = eventsBody(batch, this.#options.maxBatchBytes ?? 512 * 1024);
    const reply = await this.#post(EVENTS_PATH, body);
    if (reply instanceof Error) return this.#retry(reply.message, head, null);
    const verdict = judgeReply(reply);
    if (verdict === 'stop') return this.#stopFor(reply);
    if (verdict === 'retry')
      return this.#retry(`${reply.status}: ${reply.message}`, head, reply.retryAfterMs);
    if (verdict === 'refused') return this.#refuseEvents(items, reply);
    try {
      this.#outbox.delivered(items);
    } catch (error) {
      // Not recorded: the batch goes again, and the server ignores the event ids it has.
      return this.#retry((error as Error).message, null, null);
    }
    this.#taken();
    const stored = (reply.json as { stored?: unknown } | null)?.stored;
    this.#options.onPushed?.({
      kind: 'events',
      count: items.length,
      stored: typeof stored === 'number' ? stored : items.length,
    });
    return 'next';
  }

  /** A batch the server refused: send the part before the bad event, then leave the bad one out. */
  #refuseEvents(items: PendingDelivery[], reply: PushReply): Step {
    const split = splitRefusedBatch(items, reply);
    if (split.resendFirst !== null) {
      this.#limit = split.resendFirst;
      return 'next';
    }
    const { refused } = split;
    const reason = `${reply.status} ${reply.code ?? ''}: ${reply.message}`;
    try {
      this.#outbox.refused(refused, reason);
    } catch (error) {
      this.#options.onWarning((error as Error).message);
    }
    this.#options.onWarning(
      `the server refused ${refused.length} event${refused.length === 1 ? '' : 's'} for good (${reason}); they stay in this host's history and are not sent again`,
    );
    this.#backoffMs = 0;
    this.#limit = this.#maxEvents;
    return 'next';
  }

  async #sendVerifyReport(reportId: string, head: PendingDelivery): Promise<ReportOutcome> {
    if (this.#reportsTaken.has(reportId)) return 'settled';
    const stored = this.#outbox.verifyRun(reportId);
    if (!stored) {
      this.#options.onWarning(
        `the verify report ${reportId} is no longer in the history store; its event goes alone`,
      );
      return 'settled';
    }
    return this.#sendReport(
      'report',
      reportId,
      stringifySafeJson({ reportId, report: stored.report }, 0),
      head,
    );
  }

  async #sendSnapshot(): Promise<Step> {
    if (!this.#built) {
      try {
        const reportId = randomUUID();
        this.#built = {
          reportId,
          text: stringifySafeJson({ reportId, report: this.#options.snapshot() }, 0),
        };
      } catch (error) {
        return this.#retry(`cannot build the snapshot: ${(error as Error).message}`, null, null);
      }
    }
    const outcome = await this.#sendReport('snapshot', this.#built.reportId, this.#built.text, null);
    if (outcome === 'settled') {
      this.#built = null;
      this.#snapshotDue = false;
    }
    return outcome === 'stop' ? 'stop' : 'next';
  }

  /** POSTs a report (a verify's, or a snapshot). */
  async #sendReport(
    kind: 'report' | 'snapshot',
    reportId: string,
    body: string,
    head: PendingDelivery | null,
  ): Promise<ReportOutcome> {
    const reply = await this.#post(REPORT_PATH, body);
    const retried = async (reason: string, retryAfterMs: number | null): Promise<ReportOutcome> =>
      (await this.#retry(reason, head, retryAfterMs)) === 'stop' ? 'stop' : 'retried';
    if (reply instanceof Error) return retried(reply.message, null);
    const verdict = judgeReply(reply);
    if (verdict === 'stop') return this.#stopFor(reply);
    if (verdict === 'retry') return retried(`${reply.status}: ${reply.message}`, reply.retryAfterMs);
    if (kind === 'report') {
      if (this.#reportsTaken.size > 100) this.#reportsTaken.clear();
      this.#reportsTaken.add(reportId);
    }
    if (verdict === 'refused') {
      this.#options.onWarning(
        `the server refused the ${kind === 'report' ? 'verify report' : 'snapshot'} ${reportId} for good (${reply.status} ${reply.code ?? ''}: ${reply.message}); it is not sent again`,
      );
      this.#backoffMs = 0;
      return 'settled';
    }
    this.#taken();
    const outcome = (reply.json as { outcome?: unknown } | null)?.outcome;
    this.#options.onPushed?.({ kind, reportId, outcome: typeof outcome === 'string' ? outcome : 'stored' });
    return 'settled';
  }
}
