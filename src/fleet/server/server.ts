// startServer: the fleet server as a library. It migrates the database, listens (HTTP or HTTPS),
// prunes old data now and then, and returns a handle with the bound address and close(). It holds
// no state of its own, so any number of processes may share one database.
import type { AddressInfo } from 'node:net';
import { EarshotError } from '../../errors.js';
import { readBoundedTextFile } from '../../io/bounded-read.js';
import { INPUT_FILES } from '../../io/input-files.js';
import { buildApp } from './app.js';
import { compileBodyValidators, loadApiSchemas } from './body-schemas.js';
import type { ServerContext } from './context.js';
import { databaseError, describeDatabase, openPool } from './db/connect.js';
import { pruneOld } from './db/maintenance-queries.js';
import { migrate } from './db/migrate.js';

/** How to start a server. */
export interface ServerOptions {
  /** PostgreSQL: a libpq-style URL or the folder of its Unix socket. */
  db: string;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 8443 with TLS, else 8080; 0 picks a free one). */
  port?: number;
  /** PEM certificate and key files: serve HTTPS. */
  tls?: { certFile: string; keyFile: string };
  /** Requests one token or session may make per minute (default 600). */
  rateLimitPerMinute?: number;
  /** An agent not heard from for this long is silent (default 15 min: three missed snapshots). */
  silentAfterMs?: number;
  /** Days of reports, events and cleared findings to keep (default 30). */
  retainDays?: number;
  /** Connections to PostgreSQL this process keeps at most (default 10). */
  maxConnections?: number;
  /** Told of internal errors (a 500), which the API never shows to clients. */
  onError?: (error: unknown) => void;
}

/** A running server. */
export interface RunningServer {
  /** The bound address and port. */
  address: { host: string; port: number };
  /** `http://127.0.0.1:8080` (or https). */
  url: string;
  /** What migration did at start. */
  migration: { from: number; to: number; applied: number[] };
  /** Stops listening, waits for requests in flight, closes the pool. */
  close(): Promise<void>;
}

const PRUNE_EVERY_MS = 10 * 60 * 1000;

// Read as every input file is (io/): a FIFO or a device given by mistake is refused, not waited on
// or read without end.
async function readTls(tls: ServerOptions['tls']): Promise<{ cert: string; key: string } | undefined> {
  if (!tls) return undefined;
  return {
    cert: await readBoundedTextFile(tls.certFile, { kind: INPUT_FILES.tlsCertificate }),
    key: await readBoundedTextFile(tls.keyFile, { kind: INPUT_FILES.tlsKey }),
  };
}

/** Starts the fleet server. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const https = await readTls(options.tls);
  const schemas = await loadApiSchemas();
  const pool = openPool(options.db, { maxConnections: options.maxConnections });
  const counterPool = openPool(options.db, { maxConnections: 4, durableCommits: false });
  let migration: RunningServer['migration'];
  try {
    migration = await migrate(pool, undefined, `The database ${describeDatabase(options.db)}`);
  } catch (error) {
    await Promise.all([pool.end(), counterPool.end()]).catch(() => undefined);
    throw databaseError(options.db, error);
  }
  const context: ServerContext = {
    pool,
    counterPool,
    schemas,
    validators: compileBodyValidators(schemas),
    rateLimitPerMinute: options.rateLimitPerMinute ?? 600,
    silentAfterMs: options.silentAfterMs ?? 15 * 60 * 1000,
    secure: https !== undefined,
    onError: options.onError ?? (() => undefined),
  };
  const app = buildApp(context, https);
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: options.port ?? (https ? 8443 : 8080) });
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new EarshotError(
      'ERR_SERVER',
      `Cannot listen on ${host}:${options.port}: ${(error as Error).message}.`,
      {
        cause: error,
      },
    );
  }
  const bound = app.server.address() as AddressInfo;
  const retainDays = options.retainDays ?? 30;
  const prune = () => {
    pruneOld(pool, retainDays).catch((error: unknown) => context.onError(error));
  };
  const pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
  pruneTimer.unref();
  let closing: Promise<void> | undefined;
  const hostText = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    address: { host: bound.address, port: bound.port },
    url: `${https ? 'https' : 'http'}://${hostText}:${bound.port}`,
    migration,
    close() {
      closing ??= (async () => {
        clearInterval(pruneTimer);
        try {
          await app.close();
        } finally {
          await Promise.all([pool.end(), counterPool.end()]);
        }
      })();
      return closing;
    },
  };
}
