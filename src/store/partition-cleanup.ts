import type { DataSource } from 'typeorm';
import {
  DEFAULT_PARTITION,
  PARTITION_LOCK_KEY,
  ensureMonthsAhead,
  isPartitioned,
  monthOfPartition,
  monthStart,
  monthlyPartitions,
  partitionMonthsOf,
  type RunSql,
} from '../../migrations/event-partitions.js';
import type { ProjectionContext } from '../projections/projection.js';
import { CALL_TABLES, type CallTableKey } from './call-tables.js';
import { inTransaction } from './transaction.js';

/** The projection tables of a call (its events are dropped with their months, or deleted apart). */
const PROJECTION_TABLES = CALL_TABLES.filter(([key]) => key !== 'events');

export type DroppedCounts = Record<CallTableKey, number>;

/** One month dropped: what went with it, how long its transaction took, and the recording files to delete once committed. */
export interface MonthDropped extends DroppedCounts {
  partition: string;
  ms: number;
  recordingPaths: string[];
}

/** Calls whose rows one statement deletes. */
const DELETE_CHUNK = 500;

const runner =
  (ctx: ProjectionContext): RunSql =>
  (sql, params) =>
    ctx.query(sql, params ?? []);

/**
 * Runs `fn` with sequential scans off, in the caller's transaction, then restores the setting
 * (`SET LOCAL`: a transaction that fails rolls it back itself). A month of the log holds few
 * calls, many events apiece: for 500 call ids the planner estimates that `call_id = ANY(…)`
 * matches most of a month's rows and reads the month whole (35–45 ms a statement for a month of
 * 83,000 events), where its index finds the few rows (almost always none) in 2–3 ms.
 */
async function withoutSeqScan<T>(ctx: ProjectionContext, fn: () => Promise<T>): Promise<T> {
  const [setting] = await ctx.query<{ v: string }>(`SELECT current_setting('enable_seqscan') AS v`, []);
  await ctx.query(`SELECT set_config('enable_seqscan', 'off', true)`, []);
  const result = await fn();
  await ctx.query(`SELECT set_config('enable_seqscan', ?, true)`, [setting?.v ?? 'on']);
  return result;
}

/**
 * PostgreSQL with a partitioned log: makes the months ahead, gives each past month that has
 * rows in the default partition (an import of old calls, a clock far off) its own partition,
 * then drops every month that ends at or before `cutoff`, oldest first, one transaction each
 * (see {@link dropMonth}). Does nothing on a log that is not partitioned (SQLite).
 *
 * @param runBatch runs each transaction (the logger's exclusive writer lane)
 * @param onMonth called after each month's transaction commits
 */
export async function dropMonthsBefore(
  dataSource: DataSource,
  cutoff: number,
  now: number,
  runBatch: <T>(fn: () => Promise<T>) => Promise<T>,
  onMonth: (dropped: MonthDropped) => Promise<void>,
): Promise<void> {
  const months = await runBatch(() =>
    inTransaction(dataSource, 'postgres', async ({ ctx }) => {
      const run = runner(ctx);
      if (!(await isPartitioned(run))) return null;
      await ensureMonthsAhead(run, now);
      await partitionMonthsOf(run, DEFAULT_PARTITION, now);
      return monthlyPartitions(run);
    }),
  );
  // The first month this run keeps: every month before it ends at or before the cutoff.
  const keptFrom = monthStart(cutoff);
  for (const name of months ?? []) {
    const month = monthOfPartition(name)!;
    if (month.to > cutoff) break;
    const t0 = performance.now();
    const dropped = await runBatch(() => inTransaction(dataSource, 'postgres', ({ ctx }) => dropMonth(ctx, name, month, cutoff, keptFrom)));
    await onMonth({ ...dropped, partition: name, ms: performance.now() - t0 });
  }
}

/**
 * Drops one month of the log that ends at or before the cutoff, in one transaction:
 *
 * 1. The calls started before the month's end go, as retention wants (they started before the
 *    cutoff): their projection rows, search entries and webhook deliveries, and their events in
 *    the months this run keeps (a call running past the month's end into the cutoff's month, an
 *    event timed far ahead), 500 calls a statement. Their events in the later months this run
 *    drops too are not looked up: those months go whole, with every event not of a kept call.
 *    So each statement probes the few partitions from `keptFrom` on (and the default), not
 *    every later month of the log: on a year-old store that probe was a third of the cleanup.
 * 2. The events of the month that belong to calls retention keeps (an event timed before its
 *    call started: a clock off, an import) are set aside.
 * 3. The partition is detached and dropped (no row deleted one by one, no index entry, no
 *    vacuum), and the events set aside are written back, with their positions, into the
 *    default partition.
 *
 * @param keptFrom the start of the first month the run keeps (that of the cutoff)
 * @remarks A run stopped after this month's transaction leaves the events of its calls in the
 * later months it had yet to drop (no row of those calls is left in any other table); the next
 * cleanup drops them with their months.
 */
async function dropMonth(
  ctx: ProjectionContext,
  name: string,
  month: { from: number; to: number },
  cutoff: number,
  keptFrom: number,
): Promise<Omit<MonthDropped, 'partition' | 'ms'>> {
  await ctx.query('SELECT pg_advisory_xact_lock(?)', [PARTITION_LOCK_KEY]);
  const calls = await ctx.query<{ id: string; p: unknown }>(`SELECT id, recording_path AS p FROM calls WHERE started_at < ?`, [month.to]);
  const recordingPaths = calls.filter((c) => c.p !== null && c.p !== undefined).map((c) => String(c.p));
  const counted = async (sql: string, params: readonly unknown[]): Promise<number> =>
    Number((await ctx.query<{ n: unknown }>(`WITH d AS (${sql} RETURNING 1) SELECT count(*) AS n FROM d`, params))[0]?.n ?? 0);
  const counts = { events: 0 } as DroppedCounts;
  for (const [key] of PROJECTION_TABLES) counts[key] = 0;
  // A few hundred calls a statement: each is planned as index lookups of those calls (a month's
  // calls at once would be a hash join over every remaining row of the table).
  for (let i = 0; i < calls.length; i += DELETE_CHUNK) {
    const ids = calls.slice(i, i + DELETE_CHUNK).map((c) => c.id);
    await ctx.exec(`DELETE FROM messages_search WHERE call_id = ANY(?)`, [ids]);
    for (const [key, table, column] of PROJECTION_TABLES) {
      if (table === 'calls')
        counts.events += await withoutSeqScan(
          ctx,
          async () =>
            (await counted(`DELETE FROM events WHERE call_id = ANY(?) AND (occurred_at < ? OR occurred_at >= ?)`, [
              ids,
              month.from,
              keptFrom,
            ])) +
            // An event written into the default since its months were partitioned above (a month
            // with no partition yet), whatever its time.
            (await counted(`DELETE FROM ${DEFAULT_PARTITION} WHERE call_id = ANY(?) AND occurred_at >= ? AND occurred_at < ?`, [
              ids,
              month.from,
              keptFrom,
            ])),
        );
      counts[key] += await counted(`DELETE FROM ${table} WHERE ${column} = ANY(?)`, [ids]);
    }
  }
  // The kept calls' rows looked up by index, one call at a time (`OFFSET 0` keeps the planner
  // from turning the lookup into a hash join, which reads the month whole: 25–30 ms for a month
  // of 86,000 events where the lookups of its 600 kept calls take 6–13 ms).
  await ctx.exec(
    `CREATE TEMP TABLE convlog_kept_events ON COMMIT DROP AS
     SELECT e.* FROM calls AS c CROSS JOIN LATERAL (SELECT * FROM ${name} AS p WHERE p.call_id = c.id OFFSET 0) AS e WHERE c.started_at >= ?`,
    [cutoff],
  );
  const [all] = await ctx.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${name}`, []);
  const [kept] = await ctx.query<{ n: unknown }>(`SELECT count(*) AS n FROM convlog_kept_events`, []);
  counts.events += Number(all?.n ?? 0) - Number(kept?.n ?? 0);
  await ctx.exec(`ALTER TABLE events DETACH PARTITION ${name}`, []);
  await ctx.exec(`DROP TABLE ${name}`, []);
  await ctx.exec(`INSERT INTO events OVERRIDING SYSTEM VALUE SELECT * FROM convlog_kept_events`, []);
  return { ...counts, recordingPaths };
}
