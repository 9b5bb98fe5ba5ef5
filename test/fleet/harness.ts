// Shared by the fleet tests: the real snapshot fixtures, a server on a test PostgreSQL, tokens,
// and an HTTP client that never throws for a status.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { fileURLToPath } from 'node:url';
import { issueToken } from '../../src/fleet/server/auth/tokens.js';
import { addUser } from '../../src/fleet/server/auth/users.js';
import { openPool } from '../../src/fleet/server/db/connect.js';
import { migrate } from '../../src/fleet/server/db/migrate.js';
import { type RunningServer, type ServerOptions, startServer } from '../../src/fleet/server/server.js';
import type { EarshotEvent, VerifyReport } from '../../src/model.js';

/** A captured `earshot verify --json` report (test/fleet/fixtures/capture.sh made them). */
export function fixtureReport(name: 'quiet' | 'listeners' | 'suspicious'): VerifyReport {
  return JSON.parse(
    readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'),
  ) as VerifyReport;
}

/** A fixture report as `hostname` would send it, taken at `endedAt`. */
export function reportFor(
  hostname: string,
  name: 'quiet' | 'listeners' | 'suspicious' = 'listeners',
  endedAt = new Date().toISOString(),
): VerifyReport {
  const report = fixtureReport(name);
  report.host.hostname = hostname;
  report.stats.endedAt = endedAt;
  return report;
}

/** A watch event of `host` (schema/earshot-event.schema.json): a listener opened on `port` by default. */
export function eventFor(host: string, fields: Partial<EarshotEvent> = {}): EarshotEvent {
  return {
    id: randomUUID(),
    type: 'listener-opened',
    time: new Date().toISOString(),
    host,
    severity: 'notice',
    protocol: 'tcp',
    port: 9000,
    address: '0.0.0.0',
    owners: [],
    ...fields,
  };
}

/** A snapshot body. */
export function snapshot(report: VerifyReport, reportId: string = randomUUID()) {
  return { reportId, report };
}

/** A reply: status, headers and the parsed body (or its text). */
export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read replies of many shapes.
  body: any;
  text: string;
}

/** Sends a request; `body` objects go as JSON, strings as they are. */
export async function request(
  url: string,
  options: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(url, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** A request over HTTPS trusting `ca` (fetch takes no CA); the body as text. */
export function requestOverTls(
  url: string,
  options: { ca?: Buffer; token?: string; method?: string; body?: string; type?: string },
) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method: options.method ?? 'GET',
          ca: options.ca,
          headers: {
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
            ...(options.type ? { 'content-type': options.type } : {}),
          },
          timeout: 10_000,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end(options.body);
    },
  );
}

/** Starts a server on `db` (a free port unless `options.port`). */
export function startTestServer(db: string, options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  return startServer({ db, port: 0, ...options });
}

/** Migrates `db` and makes tokens and users through the library, as `earshot server token` does. */
export async function withPool<T>(
  db: string,
  work: (pool: ReturnType<typeof openPool>) => Promise<T>,
): Promise<T> {
  const pool = openPool(db);
  try {
    await migrate(pool);
    return await work(pool);
  } finally {
    await pool.end();
  }
}

/** An agent token for `host`. */
export function agentToken(db: string, host: string): Promise<string> {
  return withPool(db, (pool) => issueToken(pool, 'agent', host));
}

/** A viewer or admin token. */
export function readToken(db: string, name: string, kind: 'viewer' | 'admin' = 'viewer'): Promise<string> {
  return withPool(db, (pool) => issueToken(pool, kind, name));
}

/** A dashboard user. */
export function user(db: string, name: string, role: 'viewer' | 'admin', password: string): Promise<void> {
  return withPool(db, (pool) => addUser(pool, name, role, password));
}

const SERVE_SCRIPT = fileURLToPath(new URL('./serve.ts', import.meta.url));

/** A server in a child process (so that a test can kill -9 it); resolves once it listens. */
export async function spawnServer(
  db: string,
  options: Partial<ServerOptions> = {},
): Promise<{ child: ChildProcess; url: string; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', SERVE_SCRIPT, JSON.stringify({ db, port: 0, ...options })],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s: ${stderr}`)), 60_000);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /listening (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}): ${stderr}`));
    });
  });
  return {
    child,
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
