import { TURNS, type TurnRow } from '../../entities/tables.js';
import { callOf, pgSafe, type Projection } from './projection.js';

const HEARD = `UPDATE turns SET heard_latency_ms = ?, heard_user_end_at = ?, heard_agent_start_at = ?, heard_mismatch = ? WHERE id = ?`;

/**
 * `turns`: one row per turn with its latency waterfall; the SLA mark uses the threshold stored
 * with the turn. `heard_latency_measured` sets the latency heard in the recording (the latest wins).
 */
export const turnsProjection: Projection = {
  name: 'turns',
  table: 'turns',
  canHandle: ['turn_completed', 'heard_latency_measured'],
  async handle(events, ctx) {
    const rows: unknown[][] = [];
    for (const event of events) {
      if (event.type === 'heard_latency_measured') {
        // In log order: the turn's own row goes in first.
        if (rows.length > 0) await ctx.insert(TURNS.name, TURNS.names, rows.splice(0));
        const h = event.data;
        const at = (v: number | null) => (v === null ? null : Math.round(v));
        await ctx.exec(HEARD, [h.heardLatencyMs, at(h.userSpeechEndedAt), at(h.agentSpeechStartedAt), h.mismatch, h.turnId]);
        continue;
      }
      if (event.type !== 'turn_completed') continue;
      const d = event.data;
      const sla = !d.implausible && d.e2eLatencyMs !== null && d.slaThresholdMs !== null && d.e2eLatencyMs > d.slaThresholdMs;
      const row: TurnRow = {
        id: d.turnId,
        conversationId: d.conversationId,
        callId: callOf(event),
        userMessageId: d.userMessageId,
        assistantMessageId: d.assistantMessageId,
        startedAt: d.startedAt ?? event.occurredAt,
        endOfTurnDelayMs: d.endOfTurnDelayMs,
        transcriptionDelayMs: d.transcriptionDelayMs,
        onUserTurnCompletedDelayMs: d.onUserTurnCompletedDelayMs,
        llmTtftMs: d.llmTtftMs,
        ttsTtfbMs: d.ttsTtfbMs,
        playbackLatencyMs: d.playbackLatencyMs,
        e2eLatencyMs: d.e2eLatencyMs,
        e2eDerived: d.e2eDerived,
        unattributedMs: d.unattributedMs,
        outcome: d.outcome,
        implausible: d.implausible,
        slaViolation: sla,
        costUsd: d.costUsd,
        llmModel: pgSafe(ctx, d.llmModel ?? null),
        sttModel: pgSafe(ctx, d.sttModel ?? null),
        ttsModel: pgSafe(ctx, d.ttsModel ?? null),
        // Set by `heard_latency_measured`, once the recording is measured.
        heardLatencyMs: null,
        heardUserEndAt: null,
        heardAgentStartAt: null,
        heardMismatch: false,
      };
      rows.push(TURNS.values(row));
    }
    if (rows.length > 0) await ctx.insert(TURNS.name, TURNS.names, rows);
  },
};
