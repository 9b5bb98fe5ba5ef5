// Shared by the agent tests: a database per test on the file's PostgreSQL, a fixed free port (so a
// server can go away and come back at the same address), an agent on a test namespace's listeners
// with quick retries, and what the server and the agent's store hold, for comparing the two.
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import type { PushRecord } from '../../../src/fleet/agent/push-queue.js';
import { type AgentHandle, type AgentOptions, startAgent } from '../../../src/fleet/agent/start-agent.js';
import { openStore } from '../../../src/store/open-store.js';
import type { Store } from '../../../src/store/store.js';
import type { TestPostgres } from '../../helpers/daemons/postgres.js';

/** The host name agents report (watch names events and reports after os.hostname()). */
export const HOST = hostname();

let databases = 0;

/** A new, empty database on `pg`: its name (for psql) and URL (for the server). */
export async function freshDatabase(pg: TestPostgres): Promise<{ name: string; url: string }> {
  const name = `agent_${process.pid}_${databases++}`;
  await pg.createDatabase(name);
  return { name, url: pg.url(name) };
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An agent under test and what it said. */
export interface TestAgent {
  agent: AgentHandle;
  store: Store;
  warnings: string[];
  pushes: PushRecord[];
  /** Stops the agent and closes its store. */
  close(): Promise<void>;
}

/** Starts an agent with fast polls and retries, no periodic verify unless asked, on `dbPath`. */
export async function testAgent(
  dbPath: string,
  options: Omit<AgentOptions, 'store'> & Partial<Pick<AgentOptions, 'store'>>,
): Promise<TestAgent> {
  const store = options.store ?? openStore(dbPath);
  const warnings: string[] = [];
  const pushes: PushRecord[] = [];
  let agent: AgentHandle;
  try {
    agent = await startAgent({
      intervalMs: 100,
      verifyEveryMs: 0,
      snapshotEveryMs: 3_600_000,
      requestTimeoutMs: 5000,
      delivery: { minBackoffMs: 50, maxBackoffMs: 500 },
      flushTimeoutMs: 500,
      ...options,
      store,
      onWarning: (message) => {
        warnings.push(message);
        options.onWarning?.(message);
      },
      onPushed: (push) => pushes.push(push),
    });
  } catch (error) {
    store.close();
    throw error;
  }
  return {
    agent,
    store,
    warnings,
    pushes,
    async close() {
      try {
        await agent.stop();
      } finally {
        store.close();
      }
    },
  };
}

/** Waits (bounded) until `check` resolves true; polls every 50 ms. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
}

/** The event ids the server stored for HOST, in the order it stored them. */
export async function serverEventIds(pg: TestPostgres, database: string): Promise<string[]> {
  const out = await pg.psql('SELECT e.event_uid FROM events e ORDER BY e.id', database);
  return out === '' ? [] : out.split('\n');
}

/** The event ids in the agent's store, in the order watch recorded them. */
export function storeEventIds(store: Store): string[] {
  return store.events.list().map((event) => event.id);
}
