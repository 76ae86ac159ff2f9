import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { PartitionedEvents1796256000800 } from '../../migrations/1796256000800-partitioned-events.js';
import { partitionName } from '../../migrations/event-partitions.js';
import { MIGRATIONS } from '../../migrations/index.js';
import {
  createCallStartedEvent,
  createConversationStartedEvent,
  createMessageAddedEvent,
  createSystemEventLoggedEvent,
} from '../../src/events/create.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { MIGRATIONS_TABLE } from '../../src/store/data-source.js';
import { snapshot } from '../faults/support/store-check.js';
import { skipWithout } from '../support/requirements.js';
import { freshDatabaseUrl, openLogger } from '../support/stores.js';

const DAY = 86_400_000;
/** The migration under test and every later one: what a store of the previous release has yet to run. */
const AT = MIGRATIONS.indexOf(PartitionedEvents1796256000800);
const PENDING = MIGRATIONS.slice(AT).map((M) => {
  const name = new M().name!;
  return { name, timestamp: Number(/(\d{13})$/.exec(name)![1]) };
});

/** Runs `fn` on a plain DataSource of the store at `url`, with the migrations before the one under test. */
async function withStore<T>(url: string, fn: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = new DataSource({ type: 'postgres', url, migrations: MIGRATIONS.slice(0, AT), migrationsTableName: MIGRATIONS_TABLE });
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

/** Every event as stored, in log order, and where the log's identity goes on from. */
async function log(ds: DataSource) {
  const rows = await ds.query(`SELECT * FROM events ORDER BY position`);
  const [{ next }] = await ds.query(`SELECT nextval(pg_get_serial_sequence('events', 'position')) AS next`);
  return { rows, next: Number(next) };
}

describe.skipIf(skipWithout('postgres'))('the migration that partitions the PostgreSQL log by month [postgres]', () => {
  let logger: ConversationLogger | undefined;
  afterEach(async () => {
    await logger?.close();
    logger = undefined;
  });

  it('given a filled store of the previous release, when it runs, then every event is kept with its position and the log goes on', async () => {
    // given a store made by the earlier migrations, filled through the logger: calls over five
    // months, an event far in the past and one of this month
    const url = await freshDatabaseUrl('postgres');
    await withStore(url, async (ds) => {
      await ds.runMigrations({ transaction: 'all' });
      for (const m of PENDING) await ds.query(`INSERT INTO ${MIGRATIONS_TABLE} (timestamp, name) VALUES ($1, $2)`, [m.timestamp, m.name]);
    });
    logger = await openLogger('postgres', { databaseUrl: url });
    const now = Date.now();
    for (let c = 0; c < 10; c++) {
      const callId = `call-${c}`;
      const conversationId = `conv-${c}`;
      const at = now - c * 15 * DAY;
      await logger.append(createCallStartedEvent({ callId, occurredAt: at }));
      await logger.append(createConversationStartedEvent({ callId, conversationId, occurredAt: at + 1 }));
      for (let m = 0; m < 3; m++)
        await logger.append(
          createMessageAddedEvent({
            callId,
            conversationId,
            messageId: `${callId}-${m}`,
            role: 'user',
            content: `refund ${c} ${m}`,
            occurredAt: at + 2 + m,
          }),
        );
    }
    await logger.append(createSystemEventLoggedEvent({ occurredAt: Date.UTC(1990, 3, 1), eventType: 'old', message: 'x' }));
    await logger.flush();
    const ds = await logger.dataSource();
    const before = await log(ds);
    const projections = await snapshot(ds);
    await logger.close();
    logger = undefined;
    await withStore(url, async (plain) => {
      for (const m of PENDING) await plain.query(`DELETE FROM ${MIGRATIONS_TABLE} WHERE name = $1`, [m.name]);
    });

    // when the store is opened by this release (its migrations run)
    logger = await openLogger('postgres', { databaseUrl: url });
    const migrated = await logger.dataSource();

    // then the log is partitioned, holds every event as it was, and its positions go on
    const after = await log(migrated);
    expect(after.rows).toHaveLength(5 * 10 + 1);
    expect(after.rows).toEqual(before.rows);
    expect(after.next).toBeGreaterThan(before.next);
    expect(await snapshot(migrated)).toEqual(projections);
    const [{ kind }] = await migrated.query(`SELECT relkind AS kind FROM pg_class WHERE oid = 'events'::regclass`);
    expect(kind).toBe('p');
    const placed = (await migrated.query(
      `SELECT tableoid::regclass::text AS p, COUNT(*) AS n FROM events GROUP BY 1 ORDER BY 1`,
    )) as Array<{ p: string; n: string }>;
    expect(placed.map((r) => r.p)).toContain(partitionName(Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1)));
    expect(placed.map((r) => r.p)).toContain('events_default'); // 1990: too far back for a month of its own
    // a new call appends after the old positions, and the entities still match the schema
    await logger.startCall({ callId: 'new' });
    await logger.flush();
    const [row] = await migrated.query(`SELECT position FROM events WHERE call_id = 'new'`);
    expect(Number(row.position)).toBeGreaterThanOrEqual(before.next);
    const { upQueries } = await migrated.driver.createSchemaBuilder().log();
    expect(upQueries.map((q) => q.query)).toEqual([]);
  });
});
