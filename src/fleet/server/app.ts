// One server process's HTTP application: body parsing (JSON kept as sent, forms for the
// dashboard, 2 MB at most), security headers on every reply, authentication of /api/ before the
// body is read, the routes, and errors as JSON (API) or pages (dashboard).
import type { Server } from 'node:https';
import Fastify, { type FastifyHttpsOptions, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { stringifySafeJson } from '../../report/safe-json.js';
import { registerAgentRoutes } from './agent-routes.js';
import { authenticate } from './auth/authenticate.js';
import { isStorableText, unstorableTextPath } from './body-schemas.js';
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

function unstorableError(path: string): HttpError {
  return new HttpError(
    400,
    'invalid-body',
    `${path}: holds a NUL character (U+0000) or an unpaired UTF-16 surrogate, which the database cannot store; remove it.`,
    { path },
  );
}

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
      let body: unknown;
      try {
        body = JSON.parse(text as string) as unknown;
      } catch (error) {
        done(
          new HttpError(400, 'invalid-json', `The body is not valid JSON: ${(error as Error).message}.`, {
            path: '/',
          }),
        );
        return;
      }
      const unstorable = unstorableTextPath(text as string, body);
      if (unstorable !== null) {
        done(unstorableError(unstorable));
        return;
      }
      request.rawJson = text as string;
      done(null, body);
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

  // The URL's parameters and a form's fields: what PostgreSQL cannot store is refused here (JSON
  // bodies were checked as they were parsed).
  app.addHook('preHandler', async (request) => {
    const fields = [
      ['/querystring/', request.params],
      ['/querystring/', request.query],
      [
        '/',
        request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')
          ? request.body
          : null,
      ],
    ] as const;
    for (const [prefix, values] of fields) {
      for (const [name, value] of Object.entries((values ?? {}) as Record<string, unknown>)) {
        if (typeof value === 'string' && !isStorableText(value)) throw unstorableError(`${prefix}${name}`);
      }
    }
  });

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
