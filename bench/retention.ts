import pg from 'pg';
import { DataSource } from 'typeorm';
import { createMonth, monthStart, nextMonth } from '../migrations/event-partitions.js';
import { PartitionedEvents1796256000800 } from '../migrations/1796256000800-partitioned-events.js';
import { MIGRATIONS } from '../migrations/index.js';
import { ConversationLogger } from '../src/logger/conversation-logger.js';
import type { CleanupResult } from '../src/store/cleanup.js';
import { MIGRATIONS_TABLE } from '../src/store/data-source.js';
import { callEvents } from './calls.js';
import { freshSchema } from './pg-schema.js';
import { quiet } from './quiet.js';

const DAY = 86_400_000;
/** Positions apart from one copy of the template call to the next (the template has ~100 events). */
const STRIDE = 1_000;
/** Cleanup keeps this many days: a year-old store keeps its last month. */
export const RETENTION_DAYS = 30;

export interface RetentionRun {
  label: string;
  events: number;
  calls: number;
  buildSeconds: number;
  cleanupMs: number;
  result: CleanupResult;
}

/**
 * A PostgreSQL store of `calls` calls spread evenly over `days` days before now, as the writer
 * would have written them, then cleaned with {@link RETENTION_DAYS}: the time `cleanupOldData`
 * takes. One call (6 turns, about 100 events) is written through the writer; SQL copies its rows
 * in every table (`generate_series`), each copy with its own ids, its times moved to its own
 * start and its log positions moved by {@link STRIDE}. `partitioned` false: the store of the
 * previous release (migrations up to 1796256000700), whose cleanup deletes row by row.
 */
export async function retentionRun(
  baseUrl: string,
  label: string,
  calls: number,
  days: number,
  partitioned: boolean,
  log: (line: string) => void,
): Promise<RetentionRun> {
  const schema = await freshSchema(baseUrl, `bench_retention_${partitioned ? 'p' : 'r'}${days}`);
  try {
    const t0 = performance.now();
    const now = Date.now();
    const first = now - days * DAY;
    if (!partitioned) await previousRelease(schema.url);
    const writer = await ConversationLogger.open({ databaseUrl: schema.url, log: quiet });
    for (const e of callEvents('tpl', first, 6)) await writer.append(e);
    await writer.flush();
    await writer.close();
    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    let events: number;
    try {
      if (partitioned) {
        await client.query('BEGIN');
        for (let m = monthStart(first); m <= now; m = nextMonth(m))
          await createMonth(async (sql, params) => (await client.query(sql, params)).rows, m);
        await client.query('COMMIT');
      }
      events = await replicate(client, calls, (days * DAY) / calls, log);
      log(`  ${label}: ${calls.toLocaleString('en-US')} calls, ${events.toLocaleString('en-US')} events; vacuuming`);
      const tables = await client.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema()`);
      await client.query(`VACUUM (ANALYZE) ${tables.rows.map((r) => r.t).join(', ')}`);
    } finally {
      await client.end();
    }
    const buildSeconds = (performance.now() - t0) / 1000;
    const logger = await ConversationLogger.open({ databaseUrl: schema.url, log: quiet });
    try {
      const c0 = performance.now();
      const result = await logger.cleanupOldData({ retentionDays: RETENTION_DAYS });
      return { label, events, calls, buildSeconds, cleanupMs: performance.now() - c0, result };
    } finally {
      await logger.close();
    }
  } finally {
    await schema.drop();
  }
}

/** Makes the schema of the previous release: every migration before the partitioned log, the later ones marked applied. */
async function previousRelease(url: string): Promise<void> {
  const at = MIGRATIONS.indexOf(PartitionedEvents1796256000800);
  const ds = new DataSource({ type: 'postgres', url, migrations: MIGRATIONS.slice(0, at), migrationsTableName: MIGRATIONS_TABLE });
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'all' });
    for (const M of MIGRATIONS.slice(at)) {
      const name = new M().name!;
      await ds.query(`INSERT INTO ${MIGRATIONS_TABLE} (timestamp, name) VALUES ($1, $2)`, [Number(name.slice(-13)), name]);
    }
  } finally {
    await ds.destroy();
  }
}

interface ColumnInfo {
  name: string;
  type: string;
  generated: boolean;
}

/**
 * Copies the rows of call `tpl` in every table into `calls` copies (`c0` … ), then deletes the
 * template. Returns the events in the log.
 */
async function replicate(client: pg.Client, calls: number, spacingMs: number, log: (line: string) => void): Promise<number> {
  const tables = (
    await client.query<{ t: string }>(
      `SELECT DISTINCT table_name AS t FROM information_schema.columns
       WHERE table_schema = current_schema() AND (column_name = 'call_id' OR table_name = 'calls')
         AND table_name IN (SELECT tablename FROM pg_tables WHERE schemaname = current_schema())
         AND table_name NOT LIKE 'events\\_%'`,
    )
  ).rows.map((r) => r.t);
  // Parents first (foreign keys): calls, conversations, then the rest.
  const order = ['calls', 'conversations', ...tables.filter((t) => t !== 'calls' && t !== 'conversations')];
  const kept: string[] = [];
  for (const table of order) {
    const key = table === 'calls' ? 'id' : 'call_id';
    const rows = await client.query(`SELECT count(*) AS n FROM ${table} WHERE ${key} = 'tpl'`);
    if (Number(rows.rows[0].n) === 0) continue;
    kept.push(table);
    await client.query(`CREATE TEMP TABLE tpl_${table} AS SELECT * FROM ${table} WHERE ${key} = 'tpl'`);
  }
  for (const table of [...kept].reverse()) await client.query(`DELETE FROM ${table} WHERE ${table === 'calls' ? 'id' : 'call_id'} = 'tpl'`);
  const chunk = 5_000;
  for (const table of kept) {
    const columns = (
      await client.query<{ name: string; type: string; identity: string; def: string | null }>(
        `SELECT column_name AS name, data_type AS type, is_identity AS identity, column_default AS def
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
        [table],
      )
    ).rows.map((c): ColumnInfo => ({ name: c.name, type: c.type, generated: c.identity === 'YES' || (c.def ?? '').startsWith('nextval') }));
    const used = columns.filter((c) => !c.generated || c.name === 'position');
    const exprs = used.map((c) => expression(table, c, spacingMs));
    const overriding = used.some((c) => c.generated) ? ' OVERRIDING SYSTEM VALUE' : '';
    for (let lo = 0; lo < calls; lo += chunk) {
      await client.query(
        `INSERT INTO ${table} (${used.map((c) => c.name).join(', ')})${overriding}
         SELECT ${exprs.join(', ')} FROM generate_series(${lo}::bigint, ${Math.min(calls, lo + chunk) - 1}) AS g CROSS JOIN tpl_${table} AS t`,
      );
      if (table === 'events' && lo % 20_000 === 0) log(`    events: ${(lo + chunk).toLocaleString('en-US')} calls copied`);
    }
  }
  await client.query(`SELECT setval(pg_get_serial_sequence('events', 'position'), (SELECT max(position) FROM events))`);
  return Number((await client.query(`SELECT count(*) AS n FROM events`)).rows[0].n);
}

/** A column of copy `g`: ids made its own, times moved to its start, log positions moved by {@link STRIDE}. */
function expression(table: string, c: ColumnInfo, spacingMs: number): string {
  const v = `t.${c.name}`;
  if ((table === 'calls' && c.name === 'id') || c.name === 'call_id') return `'c' || g`;
  if (c.name === 'position' || c.name === 'event_position') return `${v} + g * ${STRIDE}`;
  if (c.name === 'event_id') return `left(${v}, 24) || lpad(to_hex(g), 12, '0')`;
  const text = c.type === 'character varying' || c.type === 'text';
  if (text && (c.name === 'id' || c.name.endsWith('_id'))) return `${v} || '-' || g`;
  if (c.type === 'bigint' && c.name.endsWith('_at')) return `${v} + (g * ${Math.floor(spacingMs)})::bigint`;
  return v;
}
