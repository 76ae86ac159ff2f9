import type { ProjectionContext } from '../projections/projection.js';
import { groupByKey, lastStreamPositionSql } from './executor.js';

export interface CallState {
  active: boolean;
  /** Stream position the next event of this call gets. */
  nextPosition: number;
}

export interface ConversationState {
  callId: string;
  ended: boolean;
}

const MAX_ENTRIES = 50_000;

// Lookups for many ids at once (ProjectionContext.queryByKeys).
const CALLS_STATUS = `SELECT id, status FROM calls WHERE id = ?`;
const CALLS_MAX_POSITION = `SELECT call_id, MAX(stream_position) AS p FROM events WHERE call_id = ? GROUP BY call_id`;
/** PostgreSQL: each call's last stream position, a probe of the stream index a call (see {@link lastStreamPositionSql}). */
const PG_CALLS_MAX_POSITION = `SELECT u.id AS call_id, ${lastStreamPositionSql('u.id')} AS p FROM unnest(?::varchar[]) AS u(id)`;
const CONVERSATIONS = `SELECT id, call_id, ended_at FROM conversations WHERE id = ?`;

/** A lookup {@link StreamState} cannot answer from memory: load it, then decide again. */
export interface StreamMiss {
  miss: 'call' | 'conversation' | 'orphan';
  id: string;
}

/**
 * What the writer knows of calls and conversations: whether they exist and are open, and each
 * call's next stream position. A cache of the database: lookups answer from memory (`peek…`)
 * or say what to load first (`load`, inside the transaction), so deciding an event is
 * synchronous and a batch awaits the database only on a miss.
 *
 * @remarks
 * Changes made while a batch is being appended are staged and become visible to later batches
 * only on {@link StreamState.commit}; {@link StreamState.rollback} drops them. After a failed
 * flush the whole cache is cleared, so a retry re-reads positions another process may have taken.
 */
export class StreamState {
  private readonly calls = new Map<string, CallState | null>();
  private readonly conversations = new Map<string, ConversationState | null>();
  private readonly stagedCalls = new Map<string, CallState | null>();
  private readonly stagedConversations = new Map<string, ConversationState | null>();
  /** Next stream position of ids with no `calls` row (read in this batch). */
  private readonly orphans = new Map<string, number>();

  /** The call (staged for this batch), `null` if there is none, or a miss to load. */
  peekCall(id: string): CallState | null | StreamMiss {
    const staged = this.stagedCalls.get(id);
    if (staged !== undefined) return staged;
    const state = this.calls.get(id);
    if (state === undefined) return { miss: 'call', id };
    // Stage a copy: positions handed out in this batch only stick if it commits.
    const copy = state === null ? null : { ...state };
    this.stagedCalls.set(id, copy);
    return copy;
  }

  /** The conversation (staged for this batch), `null` if there is none, or a miss to load. */
  peekConversation(id: string): ConversationState | null | StreamMiss {
    const staged = this.stagedConversations.get(id);
    if (staged !== undefined) return staged;
    const state = this.conversations.get(id);
    if (state === undefined) return { miss: 'conversation', id };
    const copy = state === null ? null : { ...state };
    this.stagedConversations.set(id, copy);
    return copy;
  }

  /**
   * Stream positions for a call id with no `calls` row (system events of a deleted call, a call
   * id reused after retention): its old stream continues.
   */
  peekOrphan(id: string): CallState | StreamMiss {
    const next = this.orphans.get(id);
    return next === undefined ? { miss: 'orphan', id } : { active: false, nextPosition: next };
  }

  /**
   * Loads, in one query per kind, every call and conversation of a batch this cache does not
   * know yet (on PostgreSQL three round trips instead of up to three per new call); whatever
   * is still missing afterwards is loaded by {@link load} when deciding.
   */
  async prefetch(callIds: ReadonlySet<string>, conversationIds: ReadonlySet<string>, ctx: ProjectionContext): Promise<void> {
    await this.loadConversations(
      [...conversationIds].filter((id) => !this.stagedConversations.has(id) && !this.conversations.has(id)),
      ctx,
    );
    await this.loadCalls(
      [...callIds].filter((id) => !this.stagedCalls.has(id) && !this.calls.has(id)),
      ctx,
    );
  }

  /** Reads what a miss named from the database and stages it. */
  async load(miss: StreamMiss, ctx: ProjectionContext): Promise<void> {
    if (miss.miss === 'conversation') await this.loadConversations([miss.id], ctx);
    else await this.loadCalls([miss.id], ctx); // a call, and the stream it continues if it has no row
  }

  private async loadConversations(ids: readonly string[], ctx: ProjectionContext): Promise<void> {
    if (ids.length === 0) return;
    const rows = await ctx.queryByKeys<{ call_id: string; ended_at: unknown }>(CONVERSATIONS, 'id', ids);
    for (const id of ids) {
      const row = rows.get(id)?.[0];
      this.stagedConversations.set(id, row ? { callId: row.call_id, ended: row.ended_at !== null } : null);
    }
  }

  /** Stages each call (null if it has no row) and, for one with no row, the stream position its events continue at. */
  private async loadCalls(ids: readonly string[], ctx: ProjectionContext): Promise<void> {
    if (ids.length === 0) return;
    const status = await ctx.queryByKeys<{ status: string }>(CALLS_STATUS, 'id', ids);
    const positions =
      ctx.dialect === 'postgres'
        ? groupByKey(await ctx.query<{ call_id: string; p: number | string | null }>(PG_CALLS_MAX_POSITION, [[...ids]]), 'call_id')
        : await ctx.queryByKeys<{ p: number | string | null }>(CALLS_MAX_POSITION, 'call_id', ids);
    for (const id of ids) {
      const next = Number(positions.get(id)?.[0]?.p ?? 0) + 1;
      const row = status.get(id)?.[0];
      if (row) this.stagedCalls.set(id, { active: row.status === 'active', nextPosition: next });
      else {
        this.stagedCalls.set(id, null);
        this.orphans.set(id, next);
      }
    }
  }

  setCall(id: string, state: CallState): void {
    this.stagedCalls.set(id, state);
  }

  setConversation(id: string, state: ConversationState): void {
    this.stagedConversations.set(id, state);
  }

  commit(): void {
    for (const [id, s] of this.stagedCalls) {
      this.calls.delete(id);
      // Unknown ids are not cached: they may be created by another process at any time.
      if (s !== null) this.calls.set(id, s);
    }
    for (const [id, s] of this.stagedConversations) {
      this.conversations.delete(id);
      if (s !== null && !s.ended) this.conversations.set(id, s);
    }
    this.rollback();
    evict(this.calls);
    evict(this.conversations);
  }

  rollback(): void {
    this.stagedCalls.clear();
    this.stagedConversations.clear();
    this.orphans.clear();
  }

  /** Forget everything (after a failed flush: another writer may have moved the streams on). */
  clear(): void {
    this.rollback();
    this.calls.clear();
    this.conversations.clear();
  }
}

export const isMiss = (v: unknown): v is StreamMiss => typeof v === 'object' && v !== null && 'miss' in v;

function evict<V>(map: Map<string, V>): void {
  // Maps iterate in insertion order: drop the oldest entries past the bound.
  for (const key of map.keys()) {
    if (map.size <= MAX_ENTRIES) return;
    map.delete(key);
  }
}
