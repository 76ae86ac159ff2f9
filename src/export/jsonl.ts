import type { DataSource } from 'typeorm';
import { toLogEvent, type LogEvent } from '../queries/call-detail.js';
import { select } from '../queries/sql.js';

const PAGE = 1000;

/**
 * The log's events that happened since `since` (ms UTC), in log order, a page at a time (keyset
 * pagination by position): memory stays bounded whatever the size of the store.
 */
export async function* eventsSince(dataSource: DataSource, since: number, callId?: string): AsyncGenerator<LogEvent> {
  let after = 0;
  for (;;) {
    const rows = await select<Record<string, unknown>>(
      dataSource,
      `SELECT position, event_id, call_id, stream_position, type, schema_version, occurred_at, recorded_at, data
       FROM events WHERE position > ? AND occurred_at >= ?${callId === undefined ? '' : ' AND call_id = ?'}
       ORDER BY position LIMIT ${PAGE}`,
      callId === undefined ? [after, since] : [after, since, callId],
    );
    for (const r of rows) yield toLogEvent(r);
    if (rows.length < PAGE) return;
    after = Number(rows[rows.length - 1]!['position']);
  }
}

/** The log as JSON Lines: one event per line, as stored (position, ids, type, version, times, data). */
export async function* toJsonl(dataSource: DataSource, since: number): AsyncGenerator<string> {
  for await (const e of eventsSince(dataSource, since)) yield `${JSON.stringify(e)}\n`;
}
