// A real PostgreSQL for tests: Debian's server binaries, a cluster made by initdb in a temporary
// folder the postgres user owns, listening only on a Unix socket in that folder (listen_addresses
// is empty, so no TCP port is opened anywhere). Start and stop are bounded in time; the folder is
// removed even when a start fails.

import { readFileSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipUnless } from '../needs.js';
import { run } from '../netns/netns.js';

/** Where Debian's postgresql-15 package puts the server binaries. */
export const PG_BIN = '/usr/lib/postgresql/15/bin';

/**
 * A `skip` value for node:test: false when a PostgreSQL can be started here (root, since it runs as
 * the postgres user, and Debian's postgresql 15), else the reason; under CI=true, a failure.
 */
export const skipUnlessPostgres: string | false = skipUnless({ root: true, files: [join(PG_BIN, 'initdb')] });

/** A running test cluster. */
export interface TestPostgres {
  /** The cluster's folder (data in `data/`, the socket in `socket/`). */
  readonly dir: string;
  /** The folder holding the Unix socket. */
  readonly socketDir: string;
  /** A connection URL for `database` (default `earshot`), as `earshot server --db` takes it. */
  url(database?: string): string;
  /** Creates an empty database. */
  createDatabase(name: string): Promise<void>;
  /** Runs one SQL statement through psql as the superuser and returns its unaligned output. */
  psql(sql: string, database?: string): Promise<string>;
  /** Stops the server (fast shutdown), bounded in time. */
  stop(): Promise<void>;
  /** Starts it again after `stop`. */
  start(): Promise<void>;
  /** Stops the server and removes the folder. */
  remove(): Promise<void>;
}

const PG_UID = 'postgres';

async function asPostgres(args: string[], timeoutMs = 30_000) {
  return run('runuser', ['-u', PG_UID, '--', ...args], { timeoutMs });
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Makes and starts a cluster with an `earshot` database. `settings` go to postgresql.conf. */
export async function startTestPostgres(settings: Record<string, string> = {}): Promise<TestPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'earshot-pg-'));
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  const { uid, gid } = await ownerIds();
  await chown(dir, uid, gid);
  await chmod(dir, 0o700);

  const start = async () => {
    const result = await asPostgres(
      [join(PG_BIN, 'pg_ctl'), '-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start'],
      45_000,
    );
    if (result.code !== 0) throw new Error(`pg_ctl start failed: ${result.stderr}${serverLog(dir)}`);
  };
  const stop = async () => {
    if (postmasterPid(dataDir) === undefined) return;
    const result = await asPostgres(
      [join(PG_BIN, 'pg_ctl'), '-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop'],
      45_000,
    );
    // pg_ctl gave up or hung: end the postmaster itself, by the PID it wrote.
    const pid = postmasterPid(dataDir);
    if (result.code !== 0 && pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  };

  try {
    const init = await asPostgres(
      [
        join(PG_BIN, 'initdb'),
        '-D',
        dataDir,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ],
      60_000,
    );
    if (init.code !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    await runAs(['mkdir', '-m', '700', socketDir]);
    const conf = {
      listen_addresses: "''",
      unix_socket_directories: `'${socketDir}'`,
      max_connections: '200',
      shared_buffers: "'128MB'",
      fsync: 'off',
      full_page_writes: 'off',
      ...settings,
    };
    const lines = Object.entries(conf).map(([key, value]) => `${key} = ${value}`);
    const confFile = join(dataDir, 'postgresql.auto.conf');
    await writeFile(confFile, `${lines.join('\n')}\n`);
    await chown(confFile, uid, gid);
    await start();
    const cluster: TestPostgres = {
      dir,
      socketDir,
      url: (database = 'earshot') =>
        `postgresql://postgres@/${database}?host=${encodeURIComponent(socketDir)}`,
      async createDatabase(name) {
        await cluster.psql(`CREATE DATABASE "${name}"`, 'postgres');
      },
      async psql(sql, database = 'earshot') {
        const result = await asPostgres([
          join(PG_BIN, 'psql'),
          '-h',
          socketDir,
          '-U',
          'postgres',
          '-d',
          database,
          '-v',
          'ON_ERROR_STOP=1',
          '-At',
          '-c',
          sql,
        ]);
        if (result.code !== 0) throw new Error(`psql failed: ${result.stderr}`);
        return result.stdout.trim();
      },
      stop,
      start,
      async remove() {
        try {
          await stop();
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    };
    await cluster.createDatabase('earshot');
    return cluster;
  } catch (error) {
    await stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function runAs(args: string[]): Promise<void> {
  const result = await asPostgres(args);
  if (result.code !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
}

async function ownerIds(): Promise<{ uid: number; gid: number }> {
  const result = await run('id', [PG_UID]);
  const uid = /uid=(\d+)/.exec(result.stdout);
  const gid = /gid=(\d+)/.exec(result.stdout);
  if (!uid || !gid) throw new Error(`no ${PG_UID} user: ${result.stderr}`);
  return { uid: Number(uid[1]), gid: Number(gid[1]) };
}

function serverLog(dir: string): string {
  try {
    return `\n${readFileSync(join(dir, 'server.log'), 'utf8').slice(-2000)}`;
  } catch {
    return '';
  }
}
