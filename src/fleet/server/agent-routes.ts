// The push API: POST /api/agent/report (a snapshot) and POST /api/agent/events. The host is the one
// the agent token is bound to; a body naming another host is refused.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { VerifyReport } from '../../model.js';
import { requireAgent } from './auth/authenticate.js';
import type { ServerContext } from './context.js';
import { type EventToStore, ingestEvents, ingestReport } from './db/ingest-queries.js';
import { HttpError } from './http-errors.js';
import { snapshotRows } from './snapshot-rows.js';

interface SnapshotBody {
  reportId: string;
  report: VerifyReport;
}

interface EventBatchBody {
  host?: string;
  events: { eventId: string; event: Record<string, unknown> }[];
}

function validated<T>(
  request: FastifyRequest,
  validate: (body: unknown) => { path: string; message: string } | null,
): T {
  const problem = validate(request.body);
  if (problem) throw new HttpError(400, 'invalid-body', problem.message, { path: problem.path });
  return request.body as T;
}

function otherHost(named: unknown, host: string, where: string): HttpError | null {
  if (typeof named !== 'string' || named === host) return null;
  return new HttpError(
    403,
    'wrong-host',
    `${where} names host "${named}", but this token belongs to "${host}"; each host pushes with its own token.`,
    { path: where },
  );
}

/** Registers the agent routes. */
export function registerAgentRoutes(app: FastifyInstance, context: ServerContext): void {
  app.post('/api/agent/report', async (request, reply) => {
    const principal = request.principal!;
    requireAgent(principal);
    const body = validated<SnapshotBody>(request, context.validators.snapshot);
    const refused = otherHost(body.report.host.hostname, principal.name, '/report/host/hostname');
    if (refused) throw refused;
    const outcome = await ingestReport(context.pool, {
      hostId: principal.hostId,
      source: 'agent',
      reportId: body.reportId,
      takenAt: body.report.stats.endedAt,
      body: request.rawJson ?? JSON.stringify(body),
      rows: snapshotRows(body.report),
    });
    return reply.code(outcome === 'duplicate' ? 200 : 201).send({ reportId: body.reportId, outcome });
  });

  app.post('/api/agent/events', async (request, reply) => {
    const principal = request.principal!;
    requireAgent(principal);
    const body = validated<EventBatchBody>(request, context.validators.eventBatch);
    const refused =
      otherHost(body.host, principal.name, '/host') ??
      body.events
        .map((item, index) =>
          otherHost(item.event.host ?? item.event.hostname, principal.name, `/events/${index}/event`),
        )
        .find((error) => error !== null);
    if (refused) throw refused;
    const receivedAt = new Date().toISOString();
    const events: EventToStore[] = body.events.map((item) => ({
      eventUid: item.eventId,
      type: String(item.event.type),
      at: typeof item.event.time === 'string' ? item.event.time : receivedAt,
      body: item.event,
    }));
    const stored = await ingestEvents(context.pool, principal.hostId, events);
    return reply.code(stored > 0 ? 201 : 200).send({ received: events.length, stored });
  });
}
