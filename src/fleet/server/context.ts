// What every route of one server process shares: the pool, the compiled body validators, the
// schemas (for OpenAPI) and the settings. No other state: sessions and counters live in PostgreSQL.
import type pg from 'pg';
import type { Principal } from './auth/authenticate.js';
import type { ApiSchemas, BodyValidator } from './body-schemas.js';

/** The shared parts of one server process. */
export interface ServerContext {
  pool: pg.Pool;
  /** A small pool whose commits skip the WAL flush: request counters and session look-ups. */
  counterPool: pg.Pool;
  schemas: ApiSchemas;
  validators: { snapshot: BodyValidator; eventBatch: BodyValidator };
  /** Requests one token or session may make per minute. */
  rateLimitPerMinute: number;
  /** An agent not heard from for this long is "silent". */
  silentAfterMs: number;
  /** True behind TLS: cookies get the Secure attribute. */
  secure: boolean;
  /** Told of internal errors (answered 500 without detail). */
  onError: (error: unknown) => void;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking (set for /api/ routes before the body is read). */
    principal?: Principal;
    /** The JSON body's text as it arrived (stored as sent). */
    rawJson?: string;
  }
}
