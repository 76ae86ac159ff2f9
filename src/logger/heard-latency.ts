import { decodeToPcm } from '../audio/decode.js';
import { matchTurns, type HeardTurn } from '../audio/heard-latency.js';
import { detectSpeech, type VadOptions } from '../audio/vad.js';
import { createHeardLatencyMeasuredEvent } from '../events/create.js';
import { getRecording, turnTimings } from '../queries/recordings.js';
import type { ConversationLogger } from './conversation-logger.js';

/** One turn as measured, with the verdict stored. */
export interface MeasuredTurn extends HeardTurn {
  mismatch: boolean;
}

/** What {@link measureHeardLatency} found in one call's recording. */
export interface HeardLatencyResult {
  callId: string;
  /** False when the call has no recording (nothing measured, nothing stored). */
  recorded: boolean;
  turns: MeasuredTurn[];
  mismatchThresholdMs: number;
}

export interface MeasureOptions {
  /** |heard − reported| above this flags the turn (ms; default: the logger's `heardMismatchMs`, 150). */
  mismatchThresholdMs?: number;
  vad?: VadOptions;
  /** Store nothing, only return what was measured. */
  dryRun?: boolean;
}

/**
 * Measures each turn of a call from its recording, as the caller heard it: decodes the file
 * (ffmpeg), finds speech on the user and the agent channels (an energy detector, see
 * `detectSpeech`), and per turn takes the gap from the end of the user's speech to the start of
 * the reply. Appends one `heard_latency_measured` event per turn (the `turns` row gets
 * `heard_latency_ms` and `heard_mismatch`) and resolves once they are written.
 *
 * @remarks
 * Runs after the call, never on an agent's path (`convlog measure-audio` runs it). Measuring a
 * call again appends new events; the latest measure of a turn is the one its row shows.
 * @throws ConversationLogError `RECORDING_UNREADABLE` when ffmpeg cannot decode the file.
 */
export async function measureHeardLatency(
  logger: ConversationLogger,
  callId: string,
  options: MeasureOptions = {},
): Promise<HeardLatencyResult> {
  const threshold = options.mismatchThresholdMs ?? logger.config.heardMismatchMs;
  const ds = await logger.dataSource();
  const recording = await getRecording(ds, callId);
  if (recording === null) return { callId, recorded: false, turns: [], mismatchThresholdMs: threshold };
  const timings = await turnTimings(ds, callId);
  if (timings.length === 0) return { callId, recorded: true, turns: [], mismatchThresholdMs: threshold };
  const audio = await decodeToPcm(recording.path, { channels: Math.max(recording.channels, 2) });
  const channel = (n: number) => audio.channels[n] ?? new Int16Array(0);
  const user = detectSpeech(channel(recording.userChannel), audio.sampleRate, options.vad);
  const agent = detectSpeech(channel(recording.agentChannel), audio.sampleRate, options.vad);
  const heard = matchTurns(timings, user, agent, recording.startedAt);
  const turns: MeasuredTurn[] = [];
  const written: Promise<void>[] = [];
  for (const h of heard) {
    const event = createHeardLatencyMeasuredEvent({
      callId,
      conversationId: h.conversationId,
      turnId: h.turnId,
      heardLatencyMs: h.heardLatencyMs === null ? null : Math.round(h.heardLatencyMs * 10) / 10,
      userSpeechEndedAt: h.userSpeechEndedAt === null ? null : Math.round(h.userSpeechEndedAt),
      agentSpeechStartedAt: h.agentSpeechStartedAt === null ? null : Math.round(h.agentSpeechStartedAt),
      reportedLatencyMs: h.reportedLatencyMs,
      mismatchThresholdMs: threshold,
    });
    turns.push({ ...h, heardLatencyMs: event.data.heardLatencyMs, mismatch: event.data.mismatch });
    if (!options.dryRun) written.push(logger.append(event));
  }
  await Promise.all(written);
  return { callId, recorded: true, turns, mismatchThresholdMs: threshold };
}
