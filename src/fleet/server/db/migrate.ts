// Versioned migrations of the server's PostgreSQL schema: each applied in a transaction of its own
// and recorded in schema_migrations; a database that a newer earshot already migrated is refused,
// never "downgraded". An advisory lock lets several server processes start on one database at once.
import type pg from 'pg';
import { EarshotError } from '../../../errors.js';
import { MIGRATION_001 } from './migration-001.js';

/** One schema step. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration, in order; the last one's version is the schema this earshot speaks. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'fleet: hosts, reports, listeners, findings, events, auth', sql: MIGRATION_001 },
];

/** The schema version this earshot speaks. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

// pg_advisory_lock keys are one bigint: the bytes of "earshot" (0x65617273686f74), so that no other
// program's lock collides by chance.
const MIGRATION_LOCK = '28536116838166388';

/** What `migrate` did. */
export interface MigrationResult {
  from: number;
  to: number;
  applied: number[];
}

async function currentVersion(client: pg.PoolClient): Promise<number> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  const { rows } = await client.query<{ version: number | null }>(
    'SELECT max(version) AS version FROM schema_migrations',
  );
  return rows[0]?.version ?? 0;
}

/**
 * Brings the database to this earshot's schema. Throws ERR_DB_SCHEMA when the database is newer
 * than `migrations` knows; the transaction of a failing migration rolls back whole.
 */
export async function migrate(
  pool: pg.Pool,
  migrations: readonly Migration[] = MIGRATIONS,
  databaseName = 'the database',
): Promise<MigrationResult> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      const from = await currentVersion(client);
      const known = migrations[migrations.length - 1]?.version ?? 0;
      if (from > known) {
        throw new EarshotError(
          'ERR_DB_SCHEMA',
          `${databaseName} has schema version ${from}, newer than this earshot knows (${known}): a newer ` +
            'earshot server migrated it. Upgrade earshot on this machine, or point --db at another database.',
        );
      }
      const applied: number[] = [];
      for (const migration of migrations) {
        if (migration.version <= from) continue;
        try {
          await client.query('BEGIN');
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
            migration.version,
            migration.name,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
          throw new EarshotError(
            'ERR_DB_SCHEMA',
            `Migration ${migration.version} (${migration.name}) of ${databaseName} failed and was rolled back: ` +
              `${(error as Error).message}.`,
            { cause: error },
          );
        }
        applied.push(migration.version);
      }
      return { from, to: Math.max(from, known), applied };
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => {
        broken = true;
      });
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    client.release(broken);
  }
}
