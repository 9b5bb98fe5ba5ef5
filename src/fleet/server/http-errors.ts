// The API's refusals as data: a status, a stable code, a message that says what to fix, and for a
// bad body the JSON pointer of the field. Every error reply has the same shape.
import type { FastifyError, FastifyReply } from 'fastify';
import { isDatabaseUnavailable } from './db/connect.js';

/** An error the API answers with its own status (4xx, 503). */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly path: string | undefined;
  readonly retryAfterS: number | undefined;

  constructor(
    statusCode: number,
    code: string,
    message: string,
    extra: { path?: string; retryAfterS?: number } = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.path = extra.path;
    this.retryAfterS = extra.retryAfterS;
  }
}

/** The JSON body of every error reply. */
export interface ErrorBody {
  error: { code: string; message: string; path?: string };
}

/** How long a client should wait while PostgreSQL is away. */
const UNAVAILABLE_RETRY_S = 5;

/** Turns any error into an HttpError: ours as they are, Fastify's by their status, the database's as 503. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (isDatabaseUnavailable(error)) {
    return new HttpError(503, 'database-unavailable', 'The database is unavailable; retry later.', {
      retryAfterS: UNAVAILABLE_RETRY_S,
    });
  }
  const fastify = error as Partial<FastifyError>;
  if (fastify.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new HttpError(
      413,
      'body-too-large',
      'The body is larger than the 2 MB this server takes; send less at once.',
    );
  }
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return new HttpError(fastify.statusCode, 'bad-request', fastify.message ?? 'Bad request.');
  }
  return new HttpError(500, 'internal', 'Internal server error.');
}

/** Sends `error` as the JSON error body, with Retry-After when it has one. */
export function sendHttpError(reply: FastifyReply, error: HttpError): FastifyReply {
  if (error.retryAfterS !== undefined) reply.header('retry-after', String(error.retryAfterS));
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.path !== undefined) body.error.path = error.path;
  return reply.code(error.statusCode).type('application/json; charset=utf-8').send(body);
}
