/** A call's model requests as the trace export draws them, read from its `metrics_recorded` events. */
import type { DataSource } from 'typeorm';
import { select } from '../queries/sql.js';

/** One LLM (or realtime model) request of a call, as its `metrics_recorded` event has it. */
export interface OtlpModelCall {
  eventId: string;
  conversationId: string | null;
  kind: 'llm' | 'realtime';
  requestId: string | null;
  provider: string | null;
  model: string | null;
  /** When the request finished, ms UTC. */
  endedAt: number;
  durationMs: number | null;
  ttftMs: number | null;
  tokensInput: number | null;
  tokensCachedInput: number | null;
  tokensOutput: number | null;
  costUsd: number | null;
}

const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** The LLM and realtime requests of one call, from its `metrics_recorded` events. */
export async function modelCallsOf(dataSource: DataSource, callId: string): Promise<OtlpModelCall[]> {
  const rows = await select<{ event_id: unknown; occurred_at: unknown; data: unknown }>(
    dataSource,
    `SELECT event_id, occurred_at, data FROM events WHERE call_id = ? AND type = ? ORDER BY position`,
    [callId, 'metrics_recorded'],
  );
  const out: OtlpModelCall[] = [];
  for (const r of rows) {
    let data: Record<string, unknown>;
    try {
      data = (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (!data || (data['kind'] !== 'llm' && data['kind'] !== 'realtime')) continue;
    const raw = (data['raw'] ?? {}) as Record<string, unknown>;
    // LiveKit stamps its metrics when the request finished; the event's own time otherwise.
    const stamped = numOrNull(raw['timestamp']);
    const occurredAt = Number(r.occurred_at);
    out.push({
      eventId: String(r.event_id),
      conversationId: strOrNull(data['conversationId']),
      kind: data['kind'],
      requestId: strOrNull(data['requestId']),
      provider: strOrNull(data['provider']),
      model: strOrNull(data['model']),
      endedAt: stamped !== null && Math.abs(stamped - occurredAt) < 60_000 ? stamped : occurredAt,
      durationMs: numOrNull(data['durationMs']),
      ttftMs: numOrNull(data['latencyMs']),
      tokensInput: numOrNull(data['tokensInput']),
      tokensCachedInput: numOrNull(data['tokensCachedInput']),
      tokensOutput: numOrNull(data['tokensOutput']),
      costUsd: numOrNull(data['costUsd']),
    });
  }
  return out;
}
