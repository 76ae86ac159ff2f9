import { CONVERSATION_METRICS } from '../../entities/tables.js';
import { callOf, StaleProjectionMemory, type Projection } from './projection.js';
import { responseTimeOf } from './rules.js';
import { apply, conversationOf, FIGURES, newRow, parseRow, setResponseTimes, withSample, type Figures } from './conversation-figures.js';

const KEY = CONVERSATION_METRICS.column('conversationId');
const SELECT = `SELECT conversation_id, ${FIGURES.names.join(', ')} FROM conversation_metrics WHERE conversation_id = ?`;
/**
 * PostgreSQL: the row stays locked until the batch commits, so two writers adding to one
 * conversation (say, a quality score logged by another process) apply one after the other and
 * neither's figures are lost. SQLite's write transaction already excludes every other writer.
 */
const SELECT_FOR_UPDATE = `SELECT conversation_id, xmin::text AS row_version, ${FIGURES.names.join(', ')} FROM conversation_metrics WHERE conversation_id = ? ORDER BY conversation_id FOR UPDATE`;
// `COALESCE(role, '')` (role is NOT NULL) keeps SQLite on the conversation's index: with a plain
// `role = 'assistant'` it picks ix_messages_role_created and reads every assistant message in the store.
const RESPONSE_TIMES = `SELECT conversation_id, processing_time_ms AS v FROM messages WHERE conversation_id = ? AND COALESCE(role, '') = 'assistant'
  AND implausible = FALSE AND processing_time_ms IS NOT NULL AND processing_time_ms >= 0 AND processing_time_ms <= 120000
  ORDER BY processing_time_ms`;

/** One conversation being folded: its row, whether it is new in this batch, whether its response times changed. */
interface Folding {
  callId: string | null;
  startedAt: number;
  row: Figures;
  isNew: boolean;
  responseTimes: boolean;
  /** Its response times in ascending order, when known without reading `messages`. */
  times: number[] | null;
  /** PostgreSQL: the row's version as read or remembered (its `xmin`); null on SQLite and for a new row. */
  version: string | null;
}

/** What the projection keeps of a conversation between batches (see ProjectionContext.memory). */
interface Remembered {
  row: Figures;
  times: number[] | null;
  version: string | null;
}

const memoryKey = (conversationId: string) => `conversation_metrics:${conversationId}`;

/**
 * `conversation_metrics`: per-conversation figures kept current in the append transaction.
 *
 * @remarks
 * Turns = assistant messages. Response time = processing time of plausible assistant messages
 * (avg / p50 / p95 by linear interpolation / max, recomputed from `messages`). Token and cost
 * totals add message usage (when `usageCounted`) and `metrics_recorded` usage; an unknown price
 * adds nothing to the cost and one to `unpriced_usage_count`.
 *
 * A batch is folded per conversation: its row is read once (all reads sent together), every
 * event applied in log order in JavaScript with the arithmetic SQL would use, and the row
 * written once — an INSERT for a conversation started in the batch, else an UPDATE. Where the
 * writer offers a memory, the row and its sorted response times are kept between batches
 * instead of read again; the result is the same (the rebuild test compares a live store, written
 * with the memory, with a replay, written without it). On SQLite the writer offers it only when
 * nobody else wrote since; on PostgreSQL each kept row carries its version (`xmin`) and the
 * UPDATE applies only where it is unchanged — a row another process changed is not overwritten:
 * the batch is run again, reading and locking the row ({@link StaleProjectionMemory}).
 */
export const conversationMetricsProjection: Projection = {
  name: 'conversation_metrics',
  table: 'conversation_metrics',
  canHandle: [
    'conversation_started',
    'message_added',
    'tool_executed',
    'metrics_recorded',
    'error_occurred',
    'session_event',
    'quality_scored',
  ],
  async handle(events, ctx) {
    const { memory } = ctx;
    // PostgreSQL: rows kept in memory are written back only if nobody changed them since.
    const versioned = memory && ctx.dialect === 'postgres' ? ctx.versioned : undefined;
    if (memory && ctx.dialect === 'postgres' && !versioned)
      throw new Error('conversation_metrics: a memory on PostgreSQL needs versioned writes');
    const folding = new Map<string, Folding | null>();
    const missing: string[] = [];
    for (const event of events) {
      const id = conversationOf(event);
      if (id === null || folding.has(id)) continue;
      if (event.type === 'conversation_started') {
        const row = newRow(event.occurredAt);
        folding.set(id, {
          callId: callOf(event),
          startedAt: event.occurredAt,
          row,
          isNew: true,
          responseTimes: false,
          times: [],
          version: null,
        });
        continue;
      }
      const known = memory?.get<Remembered>(memoryKey(id));
      if (known && (versioned === undefined || known.version !== null))
        folding.set(id, {
          callId: null,
          startedAt: 0,
          row: { ...known.row },
          isNew: false,
          responseTimes: false,
          times: known.times,
          version: known.version,
        });
      else {
        folding.set(id, null);
        missing.push(id);
      }
    }
    // Rows of conversations started before this batch, read together (one round trip when
    // pipelined), in id order (two writers locking rows in one order cannot deadlock).
    missing.sort();
    const select = ctx.dialect === 'postgres' ? SELECT_FOR_UPDATE : SELECT;
    const stored = await ctx.queryByKeys<Record<string, unknown>>(select, 'conversation_id', missing);
    missing.forEach((id) => {
      const found = stored.get(id)?.[0];
      // No row (removed by retention): the events change nothing, as an UPDATE of no row would.
      if (found)
        folding.set(id, {
          callId: null,
          startedAt: 0,
          row: parseRow(found),
          isNew: false,
          responseTimes: false,
          times: null,
          version: found['row_version'] === undefined ? null : String(found['row_version']),
        });
    });
    for (const event of events) {
      if (event.type === 'conversation_started') continue;
      const id = conversationOf(event);
      const f = id === null ? undefined : folding.get(id);
      if (!f || !apply(f.row, event)) continue;
      f.responseTimes = true;
      if (f.times !== null && event.type === 'message_added') f.times = withSample(f.times, responseTimeOf(event.data)!);
    }
    const changed = [...folding].filter((e): e is [string, Folding] => e[1] !== null);
    // Response times not known from memory are read back from `messages` (this batch's included).
    const unknown = changed.filter(([, f]) => f.responseTimes && f.times === null);
    const read = await ctx.queryByKeys<{ v: unknown }>(
      RESPONSE_TIMES,
      'conversation_id',
      unknown.map(([id]) => id),
    );
    for (const [id, f] of unknown) f.times = (read.get(id) ?? []).map((r) => Number(r.v));
    const inserts: unknown[][] = [];
    const updates: unknown[][] = [];
    for (const [id, f] of changed) {
      if (f.responseTimes) setResponseTimes(f.row, f.times!);
      if (f.isNew) inserts.push(CONVERSATION_METRICS.values({ conversationId: id, callId: f.callId!, startedAt: f.startedAt, ...f.row }));
      else {
        const figures = FIGURES.values(f.row);
        updates.push(versioned ? [id, f.version, ...figures] : [id, ...figures]);
      }
    }
    // Each row's version after this batch's write (PostgreSQL with a memory; none otherwise).
    const versions = new Map<string, string>();
    if (!versioned) {
      if (inserts.length > 0) await ctx.insert(CONVERSATION_METRICS.name, CONVERSATION_METRICS.names, inserts);
      if (updates.length > 0) await ctx.update(CONVERSATION_METRICS.name, KEY, FIGURES.columns, updates, 'set');
    } else {
      if (inserts.length > 0)
        for (const [k, v] of await versioned.insert(CONVERSATION_METRICS.name, CONVERSATION_METRICS.names, KEY.name, inserts))
          versions.set(k, v);
      if (updates.length > 0) {
        const updated = await versioned.update(CONVERSATION_METRICS.name, KEY, FIGURES.columns, updates);
        // A row another transaction changed (or removed) since it was read or remembered.
        if (updated.size !== updates.length) throw new StaleProjectionMemory('conversation_metrics', updates.length - updated.size);
        for (const [k, v] of updated) versions.set(k, v);
      }
    }
    if (memory)
      for (const [id, f] of changed)
        memory.set(memoryKey(id), { row: f.row, times: f.times, version: versions.get(id) ?? null } satisfies Remembered);
  },
};
