// The API's OpenAPI 3.1 description, built from the same JSON Schemas the server validates with
// (OpenAPI 3.1 speaks JSON Schema 2020-12, so the published schemas go in as they are). Served at
// /api/openapi.json; scripts/fleet-openapi.ts writes docs/fleet/openapi.json from it.
import { VERSION } from '../../version.js';
import type { ApiSchemas } from './body-schemas.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [String(status), { $ref: `#/components/responses/E${status}` }]),
  );
const query = (name: string, schema: object, description: string) => ({
  name,
  in: 'query',
  schema,
  description,
});

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed JSON, a schema violation or a bad parameter; `error.path` is the JSON pointer of the bad field.',
  401: 'Missing, wrong or revoked token (or no session).',
  403: 'An agent token on the read API, a body naming another host, or a viewer acknowledging.',
  404: 'No such host or finding.',
  413: 'The body is over 2 MB.',
  429: 'Too many requests with this token or session this minute; see Retry-After.',
  503: 'PostgreSQL is unavailable; retry after Retry-After seconds.',
};

const HOST_SUMMARY = {
  type: 'object',
  required: ['name', 'lastSeenAt', 'lastReportAt', 'silent', 'listenerCount', 'worstVerdict', 'openFindings'],
  properties: {
    name: { type: 'string' },
    lastSeenAt: { type: ['string', 'null'], description: 'When its agent last pushed anything.' },
    lastReportAt: { type: ['string', 'null'], description: 'When its latest snapshot was taken.' },
    silent: { type: 'boolean', description: 'No push for longer than --silent-after.' },
    listenerCount: { type: 'integer' },
    worstVerdict: { enum: ['unknown', 'ok', 'info', 'notice', 'warning', 'critical'] },
    openFindings: { type: 'integer' },
  },
};

const LISTENER = {
  type: 'object',
  properties: {
    host: { type: 'string', description: 'Only in /api/ports answers.' },
    protocol: { enum: ['tcp', 'udp'] },
    address: { type: 'string' },
    port: { type: 'integer' },
    inKernelTable: { type: 'boolean' },
    verdict: { enum: ['ok', 'info', 'notice', 'warning', 'critical'] },
    summary: { type: 'string' },
    owners: {
      type: 'array',
      items: { $ref: 'https://earshot.invalid/schema/earshot-verify.schema.json#/$defs/owner' },
    },
    ownerNames: { type: 'string' },
    service: { type: 'string' },
    since: { type: 'string' },
  },
};

const FINDING = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    host: { type: 'string' },
    kind: { $ref: 'https://earshot.invalid/schema/earshot-verify.schema.json#/$defs/findingKind' },
    severity: { $ref: 'https://earshot.invalid/schema/earshot-verify.schema.json#/$defs/severity' },
    protocol: { enum: ['tcp', 'udp'] },
    address: { type: 'string' },
    port: { type: 'integer' },
    message: { type: 'string' },
    advice: { type: 'string' },
    evidence: { type: 'array', items: { type: 'object' } },
    firstSeenAt: { type: 'string' },
    lastSeenAt: { type: 'string' },
    resolvedAt: { type: ['string', 'null'] },
    ackedBy: { type: ['string', 'null'] },
    ackedAt: { type: ['string', 'null'] },
  },
};

const EVENT = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    host: { type: 'string' },
    type: { type: 'string' },
    at: { type: 'string' },
    receivedAt: { type: 'string' },
    event: ref('Event'),
  },
};

/** The OpenAPI document of the fleet server's API. */
export function buildOpenApi(schemas: ApiSchemas): Record<string, unknown> {
  const read = (summary: string, schema: object, parameters: object[] = []) => ({
    get: {
      summary,
      security: [{ bearer: [] }, { session: [] }],
      parameters,
      responses: { 200: json(schema), ...errors(400, 401, 403, 404, 429, 503) },
    },
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'earshot fleet server',
      version: VERSION,
      description:
        'Agents push snapshots (verify reports) and watch events; people and tools read hosts, listeners, ' +
        'findings and events. Every error has the body {"error": {"code", "message", "path"?}}.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token from `earshot server token`.' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'earshot_session',
          description: "The dashboard's session.",
        },
      },
      schemas: {
        ScanReport: schemas.scan,
        VerifyReport: schemas.verify,
        Event: schemas.event,
        Snapshot: schemas.snapshot,
        EventBatch: schemas.eventBatch,
        HostSummary: HOST_SUMMARY,
        Listener: LISTENER,
        Finding: FINDING,
        StoredEvent: EVENT,
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, path: { type: 'string' } },
            },
          },
        },
      },
      responses: Object.fromEntries(
        Object.entries(ERROR_TEXT).map(([status, description]) => [
          `E${status}`,
          { description, ...json(ref('Error')) },
        ]),
      ),
    },
    paths: {
      '/api/agent/report': {
        post: {
          summary: "Push a snapshot of the token's host (stored once per reportId).",
          security: [{ bearer: [] }],
          requestBody: { required: true, ...json(ref('Snapshot')) },
          responses: {
            201: {
              description: 'Stored.',
              ...json({
                type: 'object',
                properties: { reportId: { type: 'string' }, outcome: { enum: ['stored', 'stored-older'] } },
              }),
            },
            200: {
              description: 'Already held (a retry): nothing stored twice.',
              ...json({
                type: 'object',
                properties: { reportId: { type: 'string' }, outcome: { const: 'duplicate' } },
              }),
            },
            ...errors(400, 401, 403, 413, 429, 503),
          },
        },
      },
      '/api/agent/events': {
        post: {
          summary: "Push events of the token's host, oldest first (each stored once per eventId).",
          security: [{ bearer: [] }],
          requestBody: { required: true, ...json(ref('EventBatch')) },
          responses: {
            201: {
              description: 'Stored (some or all).',
              ...json({
                type: 'object',
                properties: { received: { type: 'integer' }, stored: { type: 'integer' } },
              }),
            },
            200: {
              description: 'All already held.',
              ...json({
                type: 'object',
                properties: { received: { type: 'integer' }, stored: { const: 0 } },
              }),
            },
            ...errors(400, 401, 403, 413, 429, 503),
          },
        },
      },
      '/api/hosts': read('Every host: silent agents first, then the worst verdicts.', {
        type: 'object',
        properties: { hosts: { type: 'array', items: ref('HostSummary') } },
      }),
      '/api/hosts/{name}': read(
        'One host: its listeners, open findings, recent events and listener changes.',
        {
          allOf: [ref('HostSummary')],
          properties: {
            listeners: { type: 'array', items: ref('Listener') },
            findings: { type: 'array', items: ref('Finding') },
            events: { type: 'array', items: ref('StoredEvent') },
            changes: { type: 'array', items: { type: 'object' } },
          },
        },
        [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
      ),
      '/api/ports/{port}': read(
        'Every host listening on a port, with owners.',
        {
          type: 'object',
          properties: {
            port: { type: 'integer' },
            protocol: { enum: ['tcp', 'udp'] },
            listeners: { type: 'array', items: ref('Listener') },
          },
        },
        [
          {
            name: 'port',
            in: 'path',
            required: true,
            schema: { type: 'integer', minimum: 0, maximum: 65535 },
          },
          query('protocol', { enum: ['tcp', 'udp'], default: 'tcp' }, 'The protocol.'),
        ],
      ),
      '/api/findings': read(
        'Findings, most severe first.',
        { type: 'object', properties: { findings: { type: 'array', items: ref('Finding') } } },
        [
          query('severity', { enum: ['critical', 'warning', 'notice', 'info'] }, 'Only this severity.'),
          query('open', { type: 'boolean' }, 'true: not cleared yet; false: cleared.'),
          query('acked', { type: 'boolean' }, 'Acknowledged or not.'),
          query('host', { type: 'string' }, 'Only this host.'),
          query('limit', { type: 'integer', minimum: 1, maximum: 5000, default: 1000 }, 'At most this many.'),
        ],
      ),
      '/api/events': read(
        'Events since a time, oldest first.',
        { type: 'object', properties: { events: { type: 'array', items: ref('StoredEvent') } } },
        [
          query('since', { type: 'string' }, 'ISO 8601 time (default: 24 hours ago).'),
          query('host', { type: 'string' }, 'Only this host.'),
          query('limit', { type: 'integer', minimum: 1, maximum: 5000, default: 1000 }, 'At most this many.'),
        ],
      ),
      '/api/findings/{id}/ack': {
        post: {
          summary: 'Acknowledge a finding (admin); who and when are kept. With a session, send X-CSRF-Token.',
          security: [{ bearer: [] }, { session: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
          responses: { 200: json(ref('Finding')), ...errors(400, 401, 403, 404, 429, 503) },
        },
      },
    },
  };
}
