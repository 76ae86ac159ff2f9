import type { ProjectionContext } from '../projections/projection.js';

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

const CALL_STATUS = `SELECT status FROM calls WHERE id = ?`;
const CALL_MAX_POSITION = `SELECT MAX(stream_position) AS p FROM events WHERE call_id = ?`;
const CONVERSATION = `SELECT call_id, ended_at FROM conversations WHERE id = ?`;

/**
 * What the writer knows of calls and conversations: whether they exist and are open, and each
 * call's next stream position. A cache of the database: a miss reads it inside the transaction.
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

  async call(id: string, ctx: ProjectionContext): Promise<CallState | null> {
    const staged = this.stagedCalls.get(id);
    if (staged !== undefined) return staged;
    let state = this.calls.get(id);
    if (state === undefined) {
      const [row] = await ctx.query<{ status: string }>(CALL_STATUS, [id]);
      if (!row) state = null;
      else {
        const [pos] = await ctx.query<{ p: number | string | null }>(CALL_MAX_POSITION, [id]);
        state = { active: row.status === 'active', nextPosition: Number(pos?.p ?? 0) + 1 };
      }
    }
    // Stage a copy: positions handed out in this batch only stick if it commits.
    const copy = state === null ? null : { ...state };
    this.stagedCalls.set(id, copy);
    return copy;
  }

  /** Stream positions for events that name a call with no `calls` row (system events of a deleted call). */
  async orphanStream(id: string, ctx: ProjectionContext): Promise<CallState> {
    const [pos] = await ctx.query<{ p: number | string | null }>(CALL_MAX_POSITION, [id]);
    const state = { active: false, nextPosition: Number(pos?.p ?? 0) + 1 };
    this.stagedCalls.set(id, state);
    return state;
  }

  setCall(id: string, state: CallState): void {
    this.stagedCalls.set(id, state);
  }

  async conversation(id: string, ctx: ProjectionContext): Promise<ConversationState | null> {
    const staged = this.stagedConversations.get(id);
    if (staged !== undefined) return staged;
    let state = this.conversations.get(id);
    if (state === undefined) {
      const [row] = await ctx.query<{ call_id: string; ended_at: unknown }>(CONVERSATION, [id]);
      state = row ? { callId: row.call_id, ended: row.ended_at !== null } : null;
    }
    const copy = state === null ? null : { ...state };
    this.stagedConversations.set(id, copy);
    return copy;
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
    this.stagedCalls.clear();
    this.stagedConversations.clear();
    evict(this.calls);
    evict(this.conversations);
  }

  rollback(): void {
    this.stagedCalls.clear();
    this.stagedConversations.clear();
  }

  /** Forget everything (after a failed flush: another writer may have moved the streams on). */
  clear(): void {
    this.rollback();
    this.calls.clear();
    this.conversations.clear();
  }
}

function evict<V>(map: Map<string, V>): void {
  // Maps iterate in insertion order: drop the oldest entries past the bound.
  for (const key of map.keys()) {
    if (map.size <= MAX_ENTRIES) return;
    map.delete(key);
  }
}
