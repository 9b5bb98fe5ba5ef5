// One server process's HTTP application: body parsing (JSON kept as sent, forms for the
// dashboard, 2 MB at most), security headers on every reply, authentication of /api/ before the
// body is read, the routes, and errors as JSON (API) or pages (dashboard).
import type { Server } from 'node:https';
import Fastify, { type FastifyHttpsOptions, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { stringifySafeJson } from '../../report/safe-json.js';
import { registerAgentRoutes } from './agent-routes.js';
import { authenticate } from './auth/authenticate.js';
import type { ServerContext } from './context.js';
import { HttpError, sendHttpError, toHttpError } from './http-errors.js';
import { buildOpenApi } from './openapi.js';
import { registerReadRoutes } from './read-routes.js';
import { registerWebRoutes } from './web/web-routes.js';

/** The largest body any route takes. */
export const BODY_LIMIT_BYTES = 2 * 1024 * 1024;

const FORM_LIMIT_BYTES = 16 * 1024;

/** Pages load only earshot's own stylesheet: no script, no inline style, no frame, no form elsewhere. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Builds the application (not yet listening). `https` makes it a TLS server. */
export function buildApp(context: ServerContext, https?: { cert: string; key: string }): FastifyInstance {
  const options: FastifyServerOptions = {
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Agents keep connections open between pushes; a dead peer is dropped after this long.
    keepAliveTimeout: 65_000,
    requestTimeout: 60_000,
    return503OnClosing: true,
  };
  const app = (https
    ? Fastify({ ...(options as FastifyHttpsOptions<Server>), https })
    : Fastify(options)) as unknown as FastifyInstance;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES },
    (request, text, done) => {
      try {
        const body = JSON.parse(text as string) as unknown;
        request.rawJson = text as string;
        done(null, body);
      } catch (error) {
        done(
          new HttpError(400, 'invalid-json', `The body is not valid JSON: ${(error as Error).message}.`, {
            path: '/',
          }),
        );
      }
    },
  );
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
    (_request, text, done) => done(null, Object.fromEntries(new URLSearchParams(text as string))),
  );

  app.addHook('onRequest', async (request, reply) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    if (https) reply.header('strict-transport-security', 'max-age=31536000');
    if (!request.url.startsWith('/api/') || request.url.startsWith('/api/openapi.json')) return;
    reply.header('cache-control', 'no-store');
    request.principal = await authenticate(
      context.counterPool,
      { authorization: request.headers.authorization, cookie: request.headers.cookie },
      context.rateLimitPerMinute,
    );
  });

  // Every JSON reply (API answers, errors) through the one safe serializer: a process name an agent
  // reported, or a path a client sent, reaches the reader's terminal or page escaped.
  app.setReplySerializer((payload) => stringifySafeJson(payload, 0));

  app.setErrorHandler((error, _request, reply) => {
    const failure = toHttpError(error);
    if (failure.statusCode === 500) context.onError(error);
    return sendHttpError(reply, failure);
  });
  app.setNotFoundHandler((request, reply) =>
    sendHttpError(
      reply,
      new HttpError(404, 'not-found', `No route ${request.method} ${request.url.split('?')[0]}.`),
    ),
  );

  const openApi = stringifySafeJson(buildOpenApi(context.schemas), 0);
  app.get('/api/openapi.json', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(openApi),
  );
  registerAgentRoutes(app, context);
  registerReadRoutes(app, context);
  registerWebRoutes(app, context);
  return app;
}
