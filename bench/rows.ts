import type { NewEvent } from '../src/events/types.js';

/**
 * Every table of the store, parents before children (the order rows are inserted in).
 * `messages_search` is the full-text index the messages projection writes in the same
 * transaction: PostgreSQL's table of that name (one `tsvector` per message under GIN), SQLite's
 * FTS5 table `messages_fts` (its rows read and written by log position, the FTS5 rowid).
 */
export const TABLES = [
  'events',
  'calls',
  'conversations',
  'conversation_metrics',
  'messages',
  'turns',
  'system_events',
  'messages_search',
] as const;
export type Table = (typeof TABLES)[number];

export type Row = Record<string, unknown>;

/** The rows of one batch of events: for each table, the rows those events put there. */
export type RowBatch = Record<Table, Row[]>;

/** What reads a whole table (oldest first), whatever the driver. */
export type ReadTable = (table: Table) => Promise<Row[]>;

/**
 * Groups the rows a store holds after ingesting `events` into batches of `batchSize` events:
 * each batch gets its events' log rows and the projection rows they created (a call's row with
 * its `call_started`, a conversation's rows with its `conversation_started`, a message, turn or
 * system event row with the event that made it). Raw baselines insert exactly these rows.
 */
export async function rowBatches(read: ReadTable, batchSize: number): Promise<RowBatch[]> {
  const events = await read('events');
  const byKey = async (table: Table, key: string) => {
    const map = new Map<string, Row>();
    for (const r of await read(table)) map.set(String(r[key]), r);
    return map;
  };
  const calls = await byKey('calls', 'id');
  const conversations = await byKey('conversations', 'id');
  const metrics = await byKey('conversation_metrics', 'conversation_id');
  const messages = await byKey('messages', 'id');
  const turns = await byKey('turns', 'id');
  const search = await byKey('messages_search', 'event_position');
  const systemByPosition = new Map<string, Row[]>();
  for (const r of await read('system_events')) {
    const k = String(r['event_position']);
    systemByPosition.set(k, [...(systemByPosition.get(k) ?? []), r]);
  }
  const batches: RowBatch[] = [];
  for (let i = 0; i < events.length; i += batchSize) {
    const batch: RowBatch = {
      events: [],
      calls: [],
      conversations: [],
      conversation_metrics: [],
      messages: [],
      turns: [],
      system_events: [],
      messages_search: [],
    };
    for (const e of events.slice(i, i + batchSize)) {
      batch.events.push(e);
      const data = JSON.parse(String(e['data'])) as Record<string, unknown>;
      const take = (table: Table, map: Map<string, Row>, key: unknown) => {
        const row = map.get(String(key));
        if (row) batch[table].push(row);
      };
      switch (e['type'] as NewEvent['type']) {
        case 'call_started':
          take('calls', calls, e['call_id']);
          break;
        case 'conversation_started':
          take('conversations', conversations, data['conversationId']);
          take('conversation_metrics', metrics, data['conversationId']);
          break;
        case 'message_added':
        case 'tool_executed':
          take('messages', messages, data['messageId']);
          break;
        case 'turn_completed':
          take('turns', turns, data['turnId']);
          break;
        default:
          break;
      }
      batch.system_events.push(...(systemByPosition.get(String(e['position'])) ?? []));
      take('messages_search', search, e['position']);
    }
    batches.push(batch);
  }
  return batches;
}

/** Number of rows in a set of batches. */
export const rowCount = (batches: readonly RowBatch[]): number =>
  batches.reduce((n, b) => n + Object.values(b).reduce((m, rows) => m + rows.length, 0), 0);
