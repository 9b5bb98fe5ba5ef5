// The fleet server as the library surface (src/index.ts) names it: the same functions, each loading
// the server (Fastify, pg, the API and the pages) on its first call, so that `import { verify } from
// 'earshot'` does not pay for a web server and a database client it never uses.
import type { Role } from './auth/users.js';
import type { TokenKind, TokenListing } from './db/auth-queries.js';
import type { RunningServer, ServerOptions } from './server.js';

/** Starts the fleet server (see server.ts); loads it on first use. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return (await import('./server.js')).startServer(options);
}

/** Makes an API token, shown once (`earshot server token`). */
export async function createServerToken(db: string, kind: TokenKind, name: string): Promise<string> {
  return (await import('./admin.js')).createServerToken(db, kind, name);
}

/** Every token, without secrets (`earshot server token --list`). */
export async function listServerTokens(db: string): Promise<TokenListing[]> {
  return (await import('./admin.js')).listServerTokens(db);
}

/** Revokes the tokens made for `name` (`earshot server token --revoke`). */
export async function revokeServerTokens(db: string, name: string): Promise<number> {
  return (await import('./admin.js')).revokeServerTokens(db, name);
}

/** Adds a dashboard user (`earshot server user add`). */
export async function addServerUser(db: string, name: string, role: Role, password: string): Promise<void> {
  return (await import('./admin.js')).addServerUser(db, name, role, password);
}
