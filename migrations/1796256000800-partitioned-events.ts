import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from './1764028800000-initial-schema.js';
import { DEFAULT_PARTITION, PARTITION_LOCK_KEY, ensureMonthsAhead, partitionMonthsOf, type RunSql } from './event-partitions.js';

const COLUMNS = 'position, event_id, call_id, stream_position, type, schema_version, occurred_at, recorded_at, data';

/** The log's columns (as the initial schema has them), for the partitioned and the plain table. */
const columns = (position: string) => `
  position ${position},
  event_id VARCHAR(64) NOT NULL,
  call_id VARCHAR(255),
  stream_position INTEGER,
  type VARCHAR(64) NOT NULL,
  schema_version INTEGER NOT NULL,
  occurred_at BIGINT NOT NULL,
  recorded_at BIGINT NOT NULL,
  data TEXT NOT NULL`;

/**
 * The indexes of the partitioned log. A unique index of a partitioned table must hold the
 * partition key, so both unique indexes end with `occurred_at`: an event retried is the same
 * event (same id, same time) and is still refused; the stream position of a call is kept unique
 * by the writer's per-call check (see `pg-executor.ts`), which this index backs.
 */
const INDEXES = [
  `ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (position, occurred_at)`,
  `CREATE UNIQUE INDEX ux_events_event_id ON events (event_id, occurred_at)`,
  `CREATE UNIQUE INDEX ux_events_stream ON events (call_id, stream_position, occurred_at)`,
];

/** Moves the rows of `from` into `to` (same columns), keeping positions, and the identity on from `from`'s sequence. */
async function copyLog(run: RunSql, from: string, fromSequence: string): Promise<void> {
  await run(`INSERT INTO events (${COLUMNS}) OVERRIDING SYSTEM VALUE SELECT ${COLUMNS} FROM ${from} ORDER BY position`);
  const [seq] = (await run(`SELECT last_value, is_called FROM ${fromSequence}`)) as Array<{ last_value: string; is_called: boolean }>;
  await run(`SELECT setval(pg_get_serial_sequence('events', 'position'), $1, $2)`, [seq!.last_value, seq!.is_called]);
}

/**
 * Partitions the PostgreSQL event log by month (issue 25): `events` becomes a table partitioned
 * by RANGE on `occurred_at`, one partition per UTC month holding events, the current month and
 * the two after it, and `events_default` for anything else. Every event is copied with its
 * position; the identity goes on from where it was. Retention then drops whole months. SQLite:
 * nothing changes.
 *
 * The copy runs in the migrations' transaction: the log is locked while it runs, for a time that
 * grows with the log (run `convlog migrate` ahead of a deploy).
 */
export class PartitionedEvents1796256000800 implements MigrationInterface {
  name = 'PartitionedEvents1796256000800';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (dialectOf(queryRunner) !== 'postgres') return;
    const run: RunSql = (sql, params) => queryRunner.query(sql, params);
    await run('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK_KEY]);
    await run('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
    await run('ALTER TABLE events RENAME TO events_unpartitioned');
    await run('ALTER TABLE events_unpartitioned RENAME CONSTRAINT events_pkey TO events_unpartitioned_pkey');
    await run('ALTER INDEX ux_events_event_id RENAME TO ux_events_unpartitioned_event_id');
    await run('ALTER INDEX ux_events_stream RENAME TO ux_events_unpartitioned_stream');
    await run('ALTER SEQUENCE events_position_seq RENAME TO events_unpartitioned_position_seq');
    await run(`CREATE TABLE events (${columns('BIGINT GENERATED ALWAYS AS IDENTITY')}) PARTITION BY RANGE (occurred_at)`);
    await run(`CREATE TABLE ${DEFAULT_PARTITION} PARTITION OF events DEFAULT`);
    const now = Date.now();
    await partitionMonthsOf(run, 'events_unpartitioned', now);
    await ensureMonthsAhead(run, now);
    await copyLog(run, 'events_unpartitioned', 'events_unpartitioned_position_seq');
    await run('DROP TABLE events_unpartitioned');
    for (const sql of INDEXES) await run(sql);
    await run('ANALYZE events');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (dialectOf(queryRunner) !== 'postgres') return;
    const run: RunSql = (sql, params) => queryRunner.query(sql, params);
    await run('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
    await run('ALTER TABLE events RENAME TO events_partitioned');
    await run('ALTER TABLE events_partitioned RENAME CONSTRAINT events_pkey TO events_partitioned_pkey');
    await run('ALTER INDEX ux_events_event_id RENAME TO ux_events_partitioned_event_id');
    await run('ALTER INDEX ux_events_stream RENAME TO ux_events_partitioned_stream');
    await run('ALTER SEQUENCE events_position_seq RENAME TO events_partitioned_position_seq');
    await run(`CREATE TABLE events (${columns('BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY')})`);
    await copyLog(run, 'events_partitioned', 'events_partitioned_position_seq');
    await run('DROP TABLE events_partitioned');
    await run('CREATE UNIQUE INDEX ux_events_event_id ON events (event_id)');
    await run('CREATE UNIQUE INDEX ux_events_stream ON events (call_id, stream_position)');
  }
}
