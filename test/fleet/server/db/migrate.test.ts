// Migrations against a real PostgreSQL: a fresh database gets the whole schema, a second run does
// nothing, a database of a newer schema is refused with a clear message, and a failing migration
// leaves nothing behind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isEarshotError } from '../../../../src/errors.js';
import { openPool } from '../../../../src/fleet/server/db/connect.js';
import { MIGRATIONS, migrate, SCHEMA_VERSION } from '../../../../src/fleet/server/db/migrate.js';
import {
  skipUnlessPostgres,
  startTestPostgres,
  type TestPostgres,
} from '../../../helpers/daemons/postgres.js';
import { startTestServer } from '../../harness.js';

describe('fleet server migrations', { skip: skipUnlessPostgres }, () => {
  let pg: TestPostgres;
  before(async () => {
    pg = await startTestPostgres();
  });
  after(() => pg?.remove());

  it('creates the schema on a fresh database, and a re-run applies nothing', async () => {
    await pg.createDatabase('fresh');
    const pool = openPool(pg.url('fresh'));
    try {
      assert.deepEqual(await migrate(pool), { from: 0, to: SCHEMA_VERSION, applied: [1] });
      const tables = (
        await pg.psql(
          "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'",
          'fresh',
        )
      ).split(',');
      for (const table of [
        'hosts',
        'host_views',
        'reports',
        'listeners',
        'listener_changes',
        'findings',
        'events',
        'tokens',
        'users',
        'sessions',
        'rate_counters',
        'schema_migrations',
      ]) {
        assert.ok(tables.includes(table), `${table} exists`);
      }
      assert.deepEqual(await migrate(pool), { from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
      assert.equal(
        await pg.psql('SELECT count(*) FROM schema_migrations', 'fresh'),
        String(MIGRATIONS.length),
      );
    } finally {
      await pool.end();
    }
  });

  it('lets two processes migrate one database at once (one applies, the other waits)', async () => {
    await pg.createDatabase('racing');
    const pools = [openPool(pg.url('racing')), openPool(pg.url('racing'))];
    try {
      const results = await Promise.all(pools.map((pool) => migrate(pool)));
      assert.deepEqual(results.map((r) => r.applied.length).sort(), [0, 1]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('refuses a database of a newer schema, naming both versions and the fix', async () => {
    await pg.createDatabase('newer');
    const pool = openPool(pg.url('newer'));
    try {
      await migrate(pool);
      await pg.psql(
        `INSERT INTO schema_migrations (version, name) VALUES (${SCHEMA_VERSION + 1}, 'from the future')`,
        'newer',
      );
      await assert.rejects(migrate(pool, MIGRATIONS, 'The database X'), (error: unknown) => {
        assert.ok(isEarshotError(error, 'ERR_DB_SCHEMA'));
        assert.match(
          error.message,
          new RegExp(
            `schema version ${SCHEMA_VERSION + 1}, newer than this earshot knows \\(${SCHEMA_VERSION}\\)`,
          ),
        );
        assert.match(error.message, /Upgrade earshot/);
        return true;
      });
    } finally {
      await pool.end();
    }
    await assert.rejects(startTestServer(pg.url('newer')), (error: unknown) =>
      isEarshotError(error, 'ERR_DB_SCHEMA'),
    );
  });

  it('rolls a failing migration back whole', async () => {
    await pg.createDatabase('broken');
    const pool = openPool(pg.url('broken'));
    try {
      const broken = [
        ...MIGRATIONS,
        {
          version: SCHEMA_VERSION + 1,
          name: 'half',
          sql: 'CREATE TABLE half (a int); SELECT no_such_function()',
        },
      ];
      await assert.rejects(migrate(pool, broken), (error: unknown) => isEarshotError(error, 'ERR_DB_SCHEMA'));
      assert.equal(await pg.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'half'", 'broken'), '0');
      assert.equal(
        await pg.psql('SELECT max(version) FROM schema_migrations', 'broken'),
        String(SCHEMA_VERSION),
      );
    } finally {
      await pool.end();
    }
  });

  it('fails to start with ERR_DB naming the database when PostgreSQL is not there', async () => {
    await assert.rejects(
      startTestServer(`postgresql://postgres@/earshot?host=${encodeURIComponent(`${pg.dir}/nowhere`)}`),
      (error: unknown) => {
        assert.ok(isEarshotError(error, 'ERR_DB'));
        assert.match(error.message, /Cannot use the database postgresql:\/\/postgres@\/earshot/);
        return true;
      },
    );
  });
});
