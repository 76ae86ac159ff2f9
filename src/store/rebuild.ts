import type { DataSource } from 'typeorm';
import type { RecordedEvent } from '../events/types.js';
import { PROJECTIONS } from '../projections/index.js';
import { clearSearchIndex, setSearchConfig } from '../projections/search-index.js';
import { ConversationLogError, invalidArgument } from '../errors.js';
import { projectBatch } from './append.js';
import type { Dialect } from '../config/dialect.js';
import { inTransaction } from './transaction.js';

const PAGE = 1000;

interface EventRow {
  position: number | string;
  event_id: string;
  call_id: string | null;
  stream_position: number | string | null;
  type: string;
  schema_version: number | string;
  occurred_at: number | string;
  recorded_at: number | string;
  data: string;
}

/** A log row as a {@link RecordedEvent}. */
export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    position: Number(row.position),
    eventId: row.event_id,
    callId: row.call_id,
    streamPosition: row.stream_position === null ? null : Number(row.stream_position),
    type: row.type,
    schemaVersion: Number(row.schema_version),
    occurredAt: Number(row.occurred_at),
    recordedAt: Number(row.recorded_at),
    data: JSON.parse(row.data) as unknown,
  } as RecordedEvent;
}

export interface RebuildOptions {
  /**
   * PostgreSQL: the text search configuration to index and search messages with from now on
   * (e.g. `english`, which stems words; the default is `simple`). Kept in the store. SQLite's
   * index always uses FTS5's `unicode61` tokenizer, so there it is an error.
   */
  searchConfig?: string;
}

export interface RebuildResult {
  events: number;
  durationMs: number;
}

/**
 * Empties every projection and the full-text index and replays the whole log into them, in one
 * transaction (readers see the old rows until it commits). The rows it writes are the rows
 * written live.
 *
 * @throws ConversationLogError `CONFIG_INVALID` when `searchConfig` names no configuration of the server
 */
export async function rebuildProjections(
  dataSource: DataSource,
  dialect: Dialect,
  onProgress?: (replayed: number) => void,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const started = Date.now();
  const { searchConfig } = options;
  if (searchConfig !== undefined && (typeof searchConfig !== 'string' || searchConfig === '' || searchConfig.length > 255))
    throw invalidArgument('searchConfig', 'must be the name of a PostgreSQL text search configuration, e.g. english.');
  if (searchConfig !== undefined && dialect === 'sqlite')
    throw invalidArgument('searchConfig', "applies to PostgreSQL only: SQLite's index always uses FTS5's unicode61 tokenizer.");
  const events = await inTransaction(dataSource, dialect, async ({ ctx }) => {
    if (dialect === 'postgres') await ctx.exec('LOCK TABLE events IN EXCLUSIVE MODE', []);
    if (searchConfig !== undefined && !(await setSearchConfig(ctx, searchConfig)))
      throw new ConversationLogError(
        'CONFIG_INVALID',
        `The PostgreSQL server has no text search configuration "${searchConfig}". List them with \\dF in psql (simple, english, german, …).`,
        { field: 'searchConfig' },
      );
    await clearSearchIndex(ctx);
    for (const p of [...PROJECTIONS].reverse()) await ctx.exec(`DELETE FROM ${p.table}`, []);
    let after = 0;
    let count = 0;
    for (;;) {
      const rows = await ctx.query<EventRow>(
        `SELECT position, event_id, call_id, stream_position, type, schema_version, occurred_at, recorded_at, data
         FROM events WHERE position > ? ORDER BY position LIMIT ${PAGE}`,
        [after],
      );
      await projectBatch(rows.map(toRecordedEvent), ctx);
      count += rows.length;
      onProgress?.(count);
      if (rows.length < PAGE) break;
      after = Number(rows[rows.length - 1]!.position);
    }
    return count;
  });
  return { events, durationMs: Date.now() - started };
}

export { PROJECTIONS };
