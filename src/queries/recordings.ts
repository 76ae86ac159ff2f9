import type { RecordingAvailableData } from '../events/types.js';
import type { DataSource } from 'typeorm';
import { num, select } from './sql.js';

/**
 * A call's audio recording, as `recording_available` stored it (its data, read back): a message
 * at time t plays at offset t − `startedAt`.
 */
export type CallRecording = RecordingAvailableData;

/** The recording of call `callId`, or null when it has none (or there is no such call). */
export async function getRecording(dataSource: DataSource, callId: string): Promise<CallRecording | null> {
  const [r] = await select<Record<string, unknown>>(
    dataSource,
    `SELECT recording_path, recording_started_at, recording_duration_ms, recording_channels, recording_format, recording_size_bytes,
       recording_user_channel, recording_agent_channel FROM calls WHERE id = ? AND recording_path IS NOT NULL`,
    [callId],
  );
  if (r === undefined) return null;
  return {
    path: String(r['recording_path']),
    startedAt: Number(r['recording_started_at']),
    durationMs: num(r['recording_duration_ms']),
    channels: Number(r['recording_channels'] ?? 2),
    format: String(r['recording_format'] ?? 'ogg/opus'),
    sizeBytes: num(r['recording_size_bytes']),
    userChannel: Number(r['recording_user_channel'] ?? 0),
    agentChannel: Number(r['recording_agent_channel'] ?? 1),
  };
}

/** What the store says of each turn of a call, to find it in the recording. */
export interface StoredTurnTiming {
  turnId: string;
  conversationId: string;
  userEndedAt: number;
  replyStartedAt: number | null;
  reportedLatencyMs: number | null;
  heardLatencyMs: number | null;
}

/** The turns of call `callId` with the SDK's times: user speech end, reply start, end-to-end latency. */
export async function turnTimings(dataSource: DataSource, callId: string): Promise<StoredTurnTiming[]> {
  const rows = await select<Record<string, unknown>>(
    dataSource,
    `SELECT t.id, t.conversation_id, t.started_at, t.e2e_latency_ms, t.heard_latency_ms, m.created_at AS reply_at
     FROM turns t LEFT JOIN messages m ON m.id = t.assistant_message_id
     WHERE t.call_id = ? ORDER BY t.started_at, t.id`,
    [callId],
  );
  return rows.map((r) => ({
    turnId: String(r['id']),
    conversationId: String(r['conversation_id']),
    userEndedAt: Number(r['started_at']),
    replyStartedAt: num(r['reply_at']),
    reportedLatencyMs: num(r['e2e_latency_ms']),
    heardLatencyMs: num(r['heard_latency_ms']),
  }));
}

/** Calls with a recording and turns, not measured yet (no `heard_latency_measured` event), oldest first (at most `limit`). */
export async function callsToMeasure(dataSource: DataSource, limit = 1000): Promise<string[]> {
  const rows = await select<{ id: unknown }>(
    dataSource,
    `SELECT c.id FROM calls c WHERE c.recording_path IS NOT NULL
       AND EXISTS (SELECT 1 FROM turns t WHERE t.call_id = c.id)
       AND NOT EXISTS (SELECT 1 FROM events e WHERE e.call_id = c.id AND e.type = 'heard_latency_measured')
     ORDER BY c.started_at LIMIT ${Math.max(1, Math.floor(limit))}`,
  );
  return rows.map((r) => String(r.id));
}
