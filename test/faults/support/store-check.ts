import type { DataSource } from 'typeorm';
import { ConversationLogger } from '../../../src/logger/conversation-logger.js';
import { createLog } from '../../../src/config/log.js';

const PROJECTIONS: Array<[string, string]> = [
  ['calls', 'id'],
  ['conversations', 'id'],
  ['messages', 'id'],
  ['turns', 'id'],
  ['conversation_metrics', 'conversation_id'],
  ['system_events', 'id'],
];

/** Every projection table's rows, in key order. */
export async function snapshot(ds: DataSource): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, key] of PROJECTIONS) out[table] = await ds.query(`SELECT * FROM ${table} ORDER BY ${key}`);
  return out;
}

export interface StoreHealth {
  /** Events of calls (what the writers logged). */
  events: number;
  /** What the store wrote about itself (outages, drops): system events of no call. */
  storeReports: number;
  /** Calls whose stream positions are not 1..n without a hole. */
  callsWithGaps: string[];
  /** Event ids stored more than once (must be none: event_id is unique). */
  duplicateEventIds: number;
  /** True when the projections equal a rebuild from the log. */
  projectionsMatchLog: boolean;
  integrity: string;
  /** Messages stored twice (same content: each message the writer logs is unique). */
  duplicatedMessages: number;
}

/** Opens the store like a new process would and checks the log and its projections. */
export async function checkStore(url: string): Promise<{ health: StoreHealth; messageIds: Set<string>; logger: ConversationLogger }> {
  const logger = await ConversationLogger.open({ databaseUrl: url, log: createLog('error'), poolSize: 2, poolOverflow: 0 });
  const ds = await logger.dataSource();
  const sqlite = ds.options.type !== 'postgres';
  const [{ n }] = await ds.query('SELECT COUNT(*) AS n FROM events WHERE call_id IS NOT NULL');
  const [{ r }] = await ds.query('SELECT COUNT(*) AS r FROM events WHERE call_id IS NULL');
  const streams = (await ds.query(
    'SELECT call_id, COUNT(*) AS n, MIN(stream_position) AS lo, MAX(stream_position) AS hi FROM events WHERE call_id IS NOT NULL GROUP BY call_id',
  )) as Array<{ call_id: string; n: unknown; lo: unknown; hi: unknown }>;
  const callsWithGaps = streams.filter((s) => Number(s.lo) !== 1 || Number(s.hi) !== Number(s.n)).map((s) => s.call_id);
  const [{ d }] = await ds.query('SELECT COUNT(*) - COUNT(DISTINCT event_id) AS d FROM events');
  const [{ dm }] = await ds.query('SELECT COUNT(*) - COUNT(DISTINCT content) AS dm FROM messages');
  const before = await snapshot(ds);
  await logger.rebuildProjections();
  const after = await snapshot(ds);
  const integrity = sqlite
    ? String(((await ds.query('PRAGMA integrity_check')) as Array<{ integrity_check: string }>)[0]!.integrity_check)
    : 'ok';
  const messageIds = new Set(((await ds.query('SELECT id FROM messages')) as Array<{ id: string }>).map((r) => r.id));
  return {
    health: {
      events: Number(n),
      storeReports: Number(r),
      callsWithGaps,
      duplicateEventIds: Number(d),
      projectionsMatchLog: JSON.stringify(before) === JSON.stringify(after),
      integrity,
      duplicatedMessages: Number(dm),
    },
    messageIds,
    logger,
  };
}
