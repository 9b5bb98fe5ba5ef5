// The read API (viewer and admin tokens, or a dashboard session) and acknowledging a finding (admin).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireAdmin, requireReader } from './auth/authenticate.js';
import type { ServerContext } from './context.js';
import {
  acknowledgeFinding,
  listEvents,
  listFindings,
  listHosts,
  readHost,
  readPort,
} from './db/read-queries.js';
import { HttpError } from './http-errors.js';

const SEVERITIES = new Set(['critical', 'warning', 'notice', 'info']);
const TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

type Query = Record<string, string | undefined>;

function badQuery(name: string, message: string): HttpError {
  return new HttpError(400, 'invalid-query', `${name}: ${message}`, { path: `/querystring/${name}` });
}

/** `true`/`false` as a boolean, absent as undefined. */
export function parseFlag(query: Query, name: string): boolean | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw badQuery(name, 'must be true or false');
}

/** An integer within bounds, or the default. */
export function parseInteger(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
  fallback?: number,
): number {
  if ((value === undefined || value === '') && fallback !== undefined) return fallback;
  if (value === undefined || !/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw badQuery(name, `must be an integer from ${min} to ${max}`);
  }
  return Number(value);
}

/** `tcp` (the default) or `udp`. */
export function parseProtocol(query: Query): 'tcp' | 'udp' {
  const protocol = query.protocol ?? 'tcp';
  if (protocol !== 'tcp' && protocol !== 'udp') throw badQuery('protocol', 'must be tcp or udp');
  return protocol;
}

/** A severity filter, or undefined. */
export function parseSeverity(query: Query): string | undefined {
  const severity = query.severity;
  if (severity === undefined || severity === '') return undefined;
  if (!SEVERITIES.has(severity)) throw badQuery('severity', 'must be critical, warning, notice or info');
  return severity;
}

function parseSince(query: Query): string {
  const since = query.since;
  if (since === undefined || since === '') return new Date(Date.now() - 24 * 3600_000).toISOString();
  if (!TIME.test(since) || Number.isNaN(Date.parse(since))) {
    throw badQuery('since', 'must be an ISO 8601 time such as 2026-11-30T12:00:00Z');
  }
  return new Date(since).toISOString();
}

function reader(request: FastifyRequest): void {
  requireReader(request.principal!);
}

/** Registers the read API and the acknowledgement route. */
export function registerReadRoutes(app: FastifyInstance, context: ServerContext): void {
  app.get('/api/hosts', async (request) => {
    reader(request);
    return { hosts: await listHosts(context.pool, context.silentAfterMs) };
  });

  app.get<{ Params: { name: string } }>('/api/hosts/:name', async (request) => {
    reader(request);
    const host = await readHost(context.pool, request.params.name, context.silentAfterMs);
    if (!host) throw new HttpError(404, 'not-found', `No host called "${request.params.name}".`);
    return host;
  });

  app.get<{ Params: { port: string }; Querystring: Query }>('/api/ports/:port', async (request) => {
    reader(request);
    const port = parseInteger(request.params.port, 'port', 0, 65535);
    const protocol = parseProtocol(request.query);
    return { port, protocol, listeners: await readPort(context.pool, port, protocol) };
  });

  app.get<{ Querystring: Query }>('/api/findings', async (request) => {
    reader(request);
    const findings = await listFindings(context.pool, {
      severity: parseSeverity(request.query),
      open: parseFlag(request.query, 'open'),
      acked: parseFlag(request.query, 'acked'),
      host: request.query.host || undefined,
      limit: parseInteger(request.query.limit, 'limit', 1, 5000, 1000),
    });
    return { findings };
  });

  app.get<{ Querystring: Query }>('/api/events', async (request) => {
    reader(request);
    const events = await listEvents(context.pool, {
      since: parseSince(request.query),
      host: request.query.host || undefined,
      limit: parseInteger(request.query.limit, 'limit', 1, 5000, 1000),
    });
    return { events };
  });

  app.post<{ Params: { id: string } }>('/api/findings/:id/ack', async (request) => {
    const principal = request.principal!;
    requireAdmin(principal);
    // A session rides on a cookie the browser sends by itself: the CSRF token proves the page asked.
    if (principal.via === 'session' && request.headers['x-csrf-token'] !== principal.csrf) {
      throw new HttpError(403, 'csrf', 'Missing or wrong X-CSRF-Token header for this session.');
    }
    const id = parseInteger(request.params.id, 'id', 1, Number.MAX_SAFE_INTEGER);
    const finding = await acknowledgeFinding(context.pool, String(id), principal.name);
    if (!finding) throw new HttpError(404, 'not-found', `No finding ${id}.`);
    return finding;
  });
}
