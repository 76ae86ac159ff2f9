import { afterEach, beforeEach, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { monthStart, nextMonth, partitionName } from '../../migrations/event-partitions.js';
import {
  createCallEndedEvent,
  createCallStartedEvent,
  createConversationStartedEvent,
  createMessageAddedEvent,
  createSystemEventLoggedEvent,
} from '../../src/events/create.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { snapshot } from '../faults/support/store-check.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

const DAY = 86_400_000;

/** The partitions of `events` (PostgreSQL), by name. */
const partitions = async (ds: DataSource): Promise<string[]> =>
  (
    (await ds.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass ORDER BY 1`,
    )) as Array<{ name: string }>
  ).map((r) => r.name);

/** A call of two messages: started at `at`, its events one hour apart from there. */
async function call(logger: ConversationLogger, callId: string, at: number): Promise<void> {
  const conversationId = `${callId}-conv`;
  await logger.append(createCallStartedEvent({ callId, occurredAt: at }));
  await logger.append(createConversationStartedEvent({ callId, conversationId, occurredAt: at + 1 }));
  for (const [i, role] of (['user', 'assistant'] as const).entries())
    await logger.append(
      createMessageAddedEvent({
        callId,
        conversationId,
        messageId: `${callId}-m${i}`,
        role,
        content: `${role} says ${callId}`,
        occurredAt: at + (i + 1) * 3_600_000,
      }),
    );
  await logger.append(createCallEndedEvent({ callId, occurredAt: at + 3 * 3_600_000 }));
}

describeEachBackend('retention of a log partitioned by month', (backend) => {
  let logger: ConversationLogger;
  beforeEach(async () => {
    logger = await openLogger(backend);
  });
  afterEach(async () => {
    await logger.close();
  });

  it('given three months of calls, when cleaned with a cutoff inside the middle one, then the first month is dropped whole, the middle one keeps its late calls, and nothing dangles', async () => {
    // given: months m0, m1, m2 ending before this month; calls in each, one of m0 running into m1,
    // and an event of a kept call timed in m0 (a clock far off)
    const today = new Date();
    const start0 = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 4, 1);
    const m1 = nextMonth(start0);
    const m2 = nextMonth(m1);
    const cutoff = m1 + 10 * DAY;
    await call(logger, 'm0-early', start0 + DAY);
    await call(logger, 'm0-late', m1 - 3_600_000); // its messages and end fall in m1
    await call(logger, 'm1-before', cutoff - DAY);
    await call(logger, 'm1-after', cutoff + DAY);
    await call(logger, 'm2', m2 + DAY);
    await logger.append(createSystemEventLoggedEvent({ callId: 'm2', occurredAt: start0 + 2 * DAY, eventType: 'clock', message: 'off' }));
    await logger.append(createSystemEventLoggedEvent({ occurredAt: start0 + 3 * DAY, eventType: 'old', message: 'x' }));
    await logger.flush();
    const ds = await logger.dataSource();

    // when
    const result = await logger.cleanupOldData({ retentionDays: 30, now: cutoff + 30 * DAY });

    // then: exactly the calls started before the cutoff are gone, with every event and row of theirs
    expect(result).toMatchObject({ calls: 3, conversations: 3, messages: 6, events: 3 * 5 + 1 });
    expect((await ds.query(`SELECT id FROM calls ORDER BY id`)).map((r: { id: string }) => r.id)).toEqual(['m1-after', 'm2']);
    const events = (await ds.query(`SELECT call_id, type FROM events ORDER BY position`)) as Array<{
      call_id: string | null;
      type: string;
    }>;
    expect(new Set(events.map((e) => e.call_id))).toEqual(new Set(['m1-after', 'm2']));
    expect(events).toHaveLength(2 * 5 + 1);
    expect(Number((await ds.query(`SELECT COUNT(*) AS n FROM messages`))[0].n)).toBe(4);
    const before = await snapshot(ds);
    await logger.rebuildProjections();
    expect(await snapshot(ds)).toEqual(before);
    if (backend === 'postgres') {
      // the first month's partition is gone, the straddling one and the later one kept; the kept
      // call's early event went back into the default partition
      expect(result.partitionsDropped).toBe(1);
      const names = await partitions(ds);
      expect(names).not.toContain(partitionName(start0));
      expect(names).toEqual(expect.arrayContaining([partitionName(m1), partitionName(m2), 'events_default']));
      const [kept] = await ds.query(
        `SELECT tableoid::regclass::text AS p FROM events WHERE call_id = 'm2' AND type = 'system_event_logged'`,
      );
      expect(kept.p).toBe('events_default');
    } else expect(result.partitionsDropped).toBe(0);
    // and the writer goes on
    await logger.startCall({ callId: 'after' });
    await expect(logger.startCall({ callId: 'm2' })).rejects.toMatchObject({ code: 'DUPLICATE_CALL' });
  });

  it('given two months before the cutoff month, when cleaned, then a call of the first with events in the second, in the cutoff month and far ahead goes whole, and a kept call keeps its events timed in both', async () => {
    // given: months m0 and m1 wholly before the cutoff (inside m2); a call of m0 running into m1,
    // late events of an m0 and an m1 call in m2 and far ahead, and a kept call's events timed in m0 and m1
    const today = new Date();
    const start0 = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 5, 1);
    const m1 = nextMonth(start0);
    const m2 = nextMonth(m1);
    const cutoff = m2 + 10 * DAY;
    await call(logger, 'm0', start0 + DAY);
    await call(logger, 'm0-late', m1 - 3_600_000); // its messages and end fall in m1
    await call(logger, 'm1', m1 + DAY);
    await call(logger, 'm2-before', cutoff - DAY);
    await call(logger, 'kept', cutoff + DAY);
    const late = (callId: string, occurredAt: number, eventType: string) =>
      logger.append(createSystemEventLoggedEvent({ callId, occurredAt, eventType, message: 'x' }));
    await late('m0', m2 + DAY, 'late');
    await late('m0', Date.UTC(2200, 0, 1), 'far ahead');
    await late('m1', m2 + 2 * DAY, 'late');
    await late('kept', start0 + 2 * DAY, 'clock off');
    await late('kept', m1 + 2 * DAY, 'clock off');
    await logger.flush();
    const ds = await logger.dataSource();

    // when
    const result = await logger.cleanupOldData({ retentionDays: 30, now: cutoff + 30 * DAY });

    // then: the four calls started before the cutoff are gone with every event of theirs; the kept one has all seven
    expect(result).toMatchObject({ calls: 4, conversations: 4, messages: 8, systemEvents: 3, events: 4 * 5 + 3 });
    expect((await ds.query(`SELECT id FROM calls`)).map((r: { id: string }) => r.id)).toEqual(['kept']);
    const events = (await ds.query(`SELECT call_id, occurred_at FROM events ORDER BY position`)) as Array<{ call_id: string | null }>;
    expect(events.map((e) => e.call_id)).toEqual(Array(7).fill('kept'));
    expect(Number((await ds.query(`SELECT COUNT(*) AS n FROM system_events`))[0].n)).toBe(2);
    const before = await snapshot(ds);
    await logger.rebuildProjections();
    expect(await snapshot(ds)).toEqual(before);
    if (backend === 'postgres') {
      expect(result.partitionsDropped).toBe(2);
      expect(await partitions(ds)).not.toEqual(expect.arrayContaining([partitionName(start0)]));
      expect(await partitions(ds)).not.toEqual(expect.arrayContaining([partitionName(m1)]));
      const kept = (await ds.query(
        `SELECT tableoid::regclass::text AS p FROM events WHERE call_id = 'kept' AND type = 'system_event_logged' ORDER BY occurred_at`,
      )) as Array<{ p: string }>;
      expect(kept.map((r) => r.p)).toEqual(['events_default', 'events_default']);
    } else expect(result.partitionsDropped).toBe(0);
  });

  it('given events far in the past and the future, when appended, then they land (the default partition) and this month has its own', async () => {
    const now = Date.now();
    await logger.append(createSystemEventLoggedEvent({ occurredAt: Date.UTC(1980, 0, 1), eventType: 'past', message: 'x' }));
    await logger.append(createSystemEventLoggedEvent({ occurredAt: Date.UTC(2200, 5, 1), eventType: 'future', message: 'y' }));
    await logger.append(createSystemEventLoggedEvent({ occurredAt: now, eventType: 'now', message: 'z' }));
    await logger.flush();
    const ds = await logger.dataSource();
    expect(Number((await ds.query(`SELECT COUNT(*) AS n FROM events`))[0].n)).toBe(3);
    if (backend !== 'postgres') return;
    const rows = (await ds.query(
      `SELECT e.tableoid::regclass::text AS p, s.event_type AS t FROM events AS e JOIN system_events AS s ON s.event_position = e.position ORDER BY e.position`,
    )) as Array<{ p: string; t: string }>;
    expect(rows).toEqual([
      { p: 'events_default', t: 'past' },
      { p: 'events_default', t: 'future' },
      { p: partitionName(monthStart(now)), t: 'now' },
    ]);
    // this month and the two after it are made ahead
    expect(await partitions(ds)).toEqual(
      expect.arrayContaining([monthStart(now), nextMonth(monthStart(now)), nextMonth(nextMonth(monthStart(now)))].map(partitionName)),
    );
  });
});
