/**
 * The monthly partitions of the PostgreSQL event log: `events` is partitioned by RANGE on
 * `occurred_at` (ms UTC), one partition per calendar month (UTC) named `events_pYYYY_MM`, and
 * `events_default` for any event of a month that has none. Shared by the migration that
 * partitions the log, the migrations run (which create the months ahead on every open) and
 * retention (which creates them ahead too, and drops the months past its cutoff).
 */

/** Runs one statement; TypeORM's `QueryRunner.query` and `DataSource.query` both fit. */
export type RunSql = (sql: string, params?: unknown[]) => Promise<unknown>;

/** Months created ahead of the current one, so a month's first write never waits for a partition. */
export const MONTHS_AHEAD = 2;

/** The default partition: events of a month with no partition of its own (far past or future). */
export const DEFAULT_PARTITION = 'events_default';

/** Arbitrary constant: the advisory lock under which partitions are created or dropped. */
export const PARTITION_LOCK_KEY = 7_311_402_551;

/** Partitions are made for months within this many years of now at most; older or later rows stay in the default. */
const MAX_YEARS = 20;

/** The first millisecond of the UTC month holding `ms`. */
export function monthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The first millisecond of the month after the one starting at `start`. */
export function nextMonth(start: number): number {
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** `events_pYYYY_MM` for the month starting at `start`. */
export function partitionName(start: number): string {
  const d = new Date(start);
  return `events_p${String(d.getUTCFullYear()).padStart(4, '0')}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The month of a partition named by {@link partitionName}: [from, to), or null for another name. */
export function monthOfPartition(name: string): { from: number; to: number } | null {
  const m = /^events_p(\d{4})_(\d{2})$/.exec(name);
  if (!m) return null;
  const from = Date.UTC(Number(m[1]), Number(m[2]) - 1, 1);
  return { from, to: nextMonth(from) };
}

/** Whether a month is one partitions are made for (see {@link MAX_YEARS}). */
export const isPartitionedMonth = (start: number, now: number): boolean => Math.abs(start - now) <= MAX_YEARS * 366 * 86_400_000;

/** The names of the monthly partitions of `events` (not the default), oldest first. */
export async function monthlyPartitions(run: RunSql): Promise<string[]> {
  const rows = (await run(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'events'::regclass ORDER BY c.relname`,
  )) as Array<{ name: string }>;
  return rows.map((r) => r.name).filter((n) => monthOfPartition(n) !== null);
}

/** Whether `events` is partitioned (a store migrated past 1796256000800 on PostgreSQL). */
export async function isPartitioned(run: RunSql): Promise<boolean> {
  const rows = (await run(`SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass('events')`)) as unknown[];
  return rows.length > 0;
}

/**
 * Creates the partition of the month starting at `start` unless it exists. Rows of that month
 * already in the default partition move into it: the partition is made as a plain table,
 * filled from the default, and attached (an attach checks the default holds none of its
 * rows; a `CREATE TABLE … PARTITION OF` would fail instead). Run inside a transaction that
 * holds {@link PARTITION_LOCK_KEY}.
 */
export async function createMonth(run: RunSql, start: number): Promise<boolean> {
  const name = partitionName(start);
  const exists = (await run(`SELECT to_regclass($1) AS t`, [name])) as Array<{ t: unknown }>;
  if (exists[0]?.t != null) return false;
  const end = nextMonth(start);
  await run(`CREATE TABLE ${name} (LIKE events INCLUDING DEFAULTS)`);
  await run(`INSERT INTO ${name} SELECT * FROM ${DEFAULT_PARTITION} WHERE occurred_at >= $1 AND occurred_at < $2`, [start, end]);
  await run(`DELETE FROM ${DEFAULT_PARTITION} WHERE occurred_at >= $1 AND occurred_at < $2`, [start, end]);
  await run(`ALTER TABLE events ATTACH PARTITION ${name} FOR VALUES FROM (${start}) TO (${end})`);
  return true;
}

/**
 * Creates the partition of every month (within {@link MAX_YEARS} of `now`) that `table` holds
 * events of, oldest first, moving those rows out of the default partition where they are there.
 * The months come from the days that hold events (a scan, no time zone arithmetic in SQL).
 */
export async function partitionMonthsOf(run: RunSql, table: string, now: number): Promise<void> {
  const days = (await run(`SELECT DISTINCT floor(occurred_at / 86400000.0)::bigint AS d FROM ${table}`)) as Array<{ d: unknown }>;
  const months = new Set(days.map((r) => monthStart(Number(r.d) * 86_400_000)));
  for (const start of [...months].sort((a, b) => a - b)) if (isPartitionedMonth(start, now)) await createMonth(run, start);
}

/**
 * Creates the partitions of the current month and the {@link MONTHS_AHEAD} after it that do not
 * exist yet, under the partition lock (in the caller's transaction). Returns the names created.
 */
export async function ensureMonthsAhead(run: RunSql, now: number): Promise<string[]> {
  await run('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK_KEY]);
  const created: string[] = [];
  let start = monthStart(now);
  for (let i = 0; i <= MONTHS_AHEAD; i++, start = nextMonth(start)) if (await createMonth(run, start)) created.push(partitionName(start));
  return created;
}
