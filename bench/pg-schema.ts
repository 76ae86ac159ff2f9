import pg from 'pg';

/** A schema of the bench database: its URL (search_path set to it) and how to drop it. */
export interface PgSchema {
  url: string;
  drop: () => Promise<void>;
}

/**
 * A new, empty schema `name` on the PostgreSQL server of `baseUrl` (dropped first if a run left
 * it). `catalogLast`: the schema is searched before `pg_catalog`, so a function created in it
 * stands in for the built-in of that name (the search bench's no-op index).
 */
export async function freshSchema(baseUrl: string, name: string, catalogLast = false): Promise<PgSchema> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  await admin.query(`CREATE SCHEMA ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${name}${catalogLast ? ',pg_catalog' : ''}`);
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      await c.end();
    },
  };
}
