// The dashboard's routes: log in and out, the fleet, a host, a port, the findings inbox and its
// acknowledge form, and the stylesheet. Pages need a session; without one they send you to log in.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteGenericInterface } from 'fastify';
import { authenticate, rateWindow } from '../auth/authenticate.js';
import { endSession, readSessionCookie, sessionCookie, startSession } from '../auth/sessions.js';
import { checkLogin } from '../auth/users.js';
import type { ServerContext } from '../context.js';
import { countRequest } from '../db/auth-queries.js';
import {
  acknowledgeFinding,
  countHosts,
  listFindings,
  listHosts,
  readHost,
  readPort,
} from '../db/read-queries.js';
import { HttpError, toHttpError } from '../http-errors.js';
import { parseFlag, parseInteger, parseProtocol, parseSeverity } from '../read-routes.js';
import { ICON, ICON_PATH, STYLESHEET, STYLESHEET_PATH } from './assets.js';
import { findingsPage } from './findings-page.js';
import { fleetPage, HOSTS_PER_PAGE } from './fleet-page.js';
import { hostPage } from './host-page.js';
import { html } from './html.js';
import { page, type Viewer } from './layout.js';
import { loginPage } from './login-page.js';
import { portPage } from './port-page.js';

type Form = Record<string, string | undefined>;
type Query = Record<string, string | undefined>;

/** Login attempts per user name and minute, whichever process they reach. */
const LOGIN_ATTEMPTS_PER_MINUTE = 10;

// Only a path on this server: "//host" or "/\host" would leave it.
function localPath(value: string | undefined): string {
  return value && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : '/';
}

class LoginNeeded extends Error {}

async function viewerOf(request: FastifyRequest, context: ServerContext): Promise<Viewer> {
  if (!readSessionCookie(request.headers.cookie)) throw new LoginNeeded();
  try {
    const principal = await authenticate(
      context.pool,
      { cookie: request.headers.cookie },
      context.rateLimitPerMinute,
    );
    if (principal.role === 'agent' || principal.csrf === undefined) throw new LoginNeeded();
    return { name: principal.name, role: principal.role, csrf: principal.csrf };
  } catch (error) {
    if (error instanceof HttpError && error.statusCode === 401) throw new LoginNeeded();
    throw error;
  }
}

function errorPage(reply: FastifyReply, error: unknown): FastifyReply {
  const failure = toHttpError(error);
  if (failure.retryAfterS !== undefined) reply.header('retry-after', String(failure.retryAfterS));
  return reply
    .code(failure.statusCode)
    .type('text/html; charset=utf-8')
    .send(
      page({
        title: 'Error',
        body: html`<h1>${failure.statusCode}</h1><p class="error">${failure.message}</p>`,
      }),
    );
}

/** Registers the dashboard. */
export function registerWebRoutes(app: FastifyInstance, context: ServerContext): void {
  const view =
    <Q extends RouteGenericInterface>(
      render: (request: FastifyRequest<Q>, viewer: Viewer) => Promise<string>,
    ) =>
    async (request: FastifyRequest<Q>, reply: FastifyReply) => {
      try {
        const viewer = await viewerOf(request as FastifyRequest, context);
        return reply.type('text/html; charset=utf-8').send(await render(request, viewer));
      } catch (error) {
        if (error instanceof LoginNeeded) {
          return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
        }
        return errorPage(reply, error);
      }
    };

  app.get(STYLESHEET_PATH, async (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(STYLESHEET),
  );

  app.get(ICON_PATH, async (_request, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(ICON),
  );

  app.get<{ Querystring: Query }>('/login', async (request, reply) =>
    reply.type('text/html; charset=utf-8').send(loginPage(localPath(request.query.next))),
  );

  app.post<{ Body: Form }>('/login', async (request, reply) => {
    const form = request.body ?? {};
    const name = String(form.name ?? '');
    const next = localPath(form.next);
    try {
      if (
        (await countRequest(context.counterPool, `login:${name}`, rateWindow())) > LOGIN_ATTEMPTS_PER_MINUTE
      ) {
        return reply
          .code(429)
          .type('text/html; charset=utf-8')
          .send(loginPage(next, 'Too many attempts; wait a minute.'));
      }
      const user = await checkLogin(context.pool, name, String(form.password ?? ''));
      if (!user) {
        return reply
          .code(401)
          .type('text/html; charset=utf-8')
          .send(loginPage(next, 'Wrong user or password.'));
      }
      const secret = await startSession(context.pool, user.id);
      return reply.header('set-cookie', sessionCookie(secret, context.secure)).redirect(next, 303);
    } catch (error) {
      return errorPage(reply, error);
    }
  });

  app.post<{ Body: Form }>('/logout', async (request, reply) => {
    try {
      const viewer = await viewerOf(request, context);
      if (request.body?.csrf !== viewer.csrf)
        throw new HttpError(403, 'csrf', 'The form is stale; reload the page.');
      await endSession(context.pool, readSessionCookie(request.headers.cookie)!);
    } catch (error) {
      if (!(error instanceof LoginNeeded)) return errorPage(reply, error);
    }
    return reply.header('set-cookie', sessionCookie('', context.secure)).redirect('/login', 303);
  });

  app.get<{ Querystring: { page?: string } }>(
    '/',
    view(async (request, viewer) => {
      const wanted = request.query.page ?? '1';
      if (!/^[1-9]\d{0,5}$/.test(wanted)) throw new HttpError(400, 'bad-page', 'page is a number from 1.');
      const number = Number(wanted);
      const counts = await countHosts(context.pool, context.silentAfterMs);
      const hosts = await listHosts(context.pool, context.silentAfterMs, {
        limit: HOSTS_PER_PAGE,
        offset: (number - 1) * HOSTS_PER_PAGE,
      });
      return fleetPage(viewer, hosts, { number, totalHosts: counts.hosts, silentHosts: counts.silent });
    }),
  );

  app.get<{ Params: { name: string } }>(
    '/hosts/:name',
    view(async (request, viewer) => {
      const host = await readHost(context.pool, request.params.name, context.silentAfterMs);
      if (!host) throw new HttpError(404, 'not-found', `No host called "${request.params.name}".`);
      return hostPage(viewer, host);
    }),
  );

  app.get<{ Querystring: Query }>('/ports', async (request, reply) => {
    try {
      const port = parseInteger(request.query.port, 'port', 0, 65535);
      return reply.redirect(`/ports/${port}?protocol=${parseProtocol(request.query)}`, 303);
    } catch (error) {
      return errorPage(reply, error);
    }
  });

  app.get<{ Params: { port: string }; Querystring: Query }>(
    '/ports/:port',
    view(async (request, viewer) => {
      const port = parseInteger(request.params.port, 'port', 0, 65535);
      const protocol = parseProtocol(request.query);
      return portPage(viewer, port, protocol, await readPort(context.pool, port, protocol));
    }),
  );

  app.get<{ Querystring: Query }>(
    '/findings',
    view(async (request, viewer) => {
      const filter = { severity: parseSeverity(request.query), acked: parseFlag(request.query, 'acked') };
      const findings = await listFindings(context.pool, { ...filter, open: true, limit: 1000 });
      return findingsPage(viewer, findings, filter, request.url);
    }),
  );

  app.post<{ Params: { id: string }; Body: Form }>('/findings/:id/ack', async (request, reply) => {
    try {
      const viewer = await viewerOf(request, context);
      if (request.body?.csrf !== viewer.csrf)
        throw new HttpError(403, 'csrf', 'The form is stale; reload the page.');
      if (viewer.role !== 'admin')
        throw new HttpError(403, 'forbidden', 'Only an admin may acknowledge findings.');
      const id = parseInteger(request.params.id, 'id', 1, Number.MAX_SAFE_INTEGER);
      if (!(await acknowledgeFinding(context.pool, String(id), viewer.name))) {
        throw new HttpError(404, 'not-found', `No finding ${id}.`);
      }
      return reply.redirect(localPath(request.body?.back), 303);
    } catch (error) {
      if (error instanceof LoginNeeded) return reply.redirect('/login', 303);
      return errorPage(reply, error);
    }
  });
}
