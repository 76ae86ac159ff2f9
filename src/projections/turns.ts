import { pgSafe, type Projection } from './projection.js';

const COLUMNS = [
  'id',
  'conversation_id',
  'call_id',
  'user_message_id',
  'assistant_message_id',
  'started_at',
  'end_of_turn_delay_ms',
  'transcription_delay_ms',
  'on_user_turn_completed_delay_ms',
  'llm_ttft_ms',
  'tts_ttfb_ms',
  'playback_latency_ms',
  'e2e_latency_ms',
  'e2e_derived',
  'unattributed_ms',
  'outcome',
  'implausible',
  'sla_violation',
  'cost_usd',
  'llm_model',
  'stt_model',
  'tts_model',
] as const;

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
        if (rows.length > 0) await ctx.insert('turns', COLUMNS, rows.splice(0));
        const h = event.data;
        const at = (v: number | null) => (v === null ? null : Math.round(v));
        await ctx.exec(HEARD, [h.heardLatencyMs, at(h.userSpeechEndedAt), at(h.agentSpeechStartedAt), h.mismatch, h.turnId]);
        continue;
      }
      if (event.type !== 'turn_completed') continue;
      const d = event.data;
      const sla = !d.implausible && d.e2eLatencyMs !== null && d.slaThresholdMs !== null && d.e2eLatencyMs > d.slaThresholdMs;
      rows.push([
        d.turnId,
        d.conversationId,
        event.callId,
        d.userMessageId,
        d.assistantMessageId,
        d.startedAt ?? event.occurredAt,
        d.endOfTurnDelayMs,
        d.transcriptionDelayMs,
        d.onUserTurnCompletedDelayMs,
        d.llmTtftMs,
        d.ttsTtfbMs,
        d.playbackLatencyMs,
        d.e2eLatencyMs,
        d.e2eDerived,
        d.unattributedMs,
        d.outcome,
        d.implausible,
        sla,
        d.costUsd,
        pgSafe(ctx, d.llmModel ?? null),
        pgSafe(ctx, d.sttModel ?? null),
        pgSafe(ctx, d.ttsModel ?? null),
      ]);
    }
    if (rows.length > 0) await ctx.insert('turns', COLUMNS, rows);
  },
};
