import { CALLS } from '../../entities/tables.js';
import type { RecordedEvent } from '../events/types.js';
import type { Projection, ProjectionContext } from './projection.js';
import { callOf, jsonOrNull, pgSafe } from './projection.js';

/** The columns a call starts with; the rest are set as it ends, reports an outcome or gets a recording. */
const STARTED = CALLS.pick(
  'id',
  'callerNumber',
  'livekitRoom',
  'jobId',
  'agentId',
  'agentName',
  'agentsVersion',
  'startedAt',
  'status',
  'metadata',
  'release',
);
const END = `UPDATE calls SET ended_at = ?, duration_ms = ? - started_at, status = ?, end_reason = ?, error = ?
  WHERE id = ?`;
const OUTCOME = `UPDATE calls SET outcome = ?, outcome_reason = ? WHERE id = ?`;
const RECORDING = `UPDATE calls SET recording_path = ?, recording_started_at = ?, recording_duration_ms = ?, recording_channels = ?,
  recording_format = ?, recording_size_bytes = ?, recording_user_channel = ?, recording_agent_channel = ? WHERE id = ?`;

/**
 * `calls`: one row per call; `call_ended` sets its status, end reason and duration,
 * `call_outcome_recorded` the agent's own outcome (the latest wins), `recording_available` its
 * recording (the latest one wins).
 */
export const callsProjection: Projection = {
  name: 'calls',
  table: 'calls',
  canHandle: ['call_started', 'call_ended', 'call_outcome_recorded', 'recording_available'],
  async handle(events, ctx) {
    for (const event of events) await apply(event, ctx);
  },
};

async function apply(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  if (event.type === 'call_started') {
    const d = event.data;
    await ctx.exec(
      STARTED.insertSql,
      STARTED.values({
        id: callOf(event),
        callerNumber: pgSafe(ctx, d.callerNumber),
        livekitRoom: pgSafe(ctx, d.livekitRoom),
        jobId: d.jobId,
        agentId: d.agentId,
        agentName: pgSafe(ctx, d.agentName),
        agentsVersion: d.agentsVersion,
        startedAt: event.occurredAt,
        status: 'active',
        metadata: jsonOrNull(d.metadata),
        release: pgSafe(ctx, d.release ?? null),
      }),
    );
  } else if (event.type === 'call_ended') {
    const d = event.data;
    await ctx.exec(END, [event.occurredAt, event.occurredAt, d.status, pgSafe(ctx, d.reason), pgSafe(ctx, d.error), event.callId]);
  } else if (event.type === 'call_outcome_recorded') {
    await ctx.exec(OUTCOME, [event.data.outcome, pgSafe(ctx, event.data.reason), event.callId]);
  } else if (event.type === 'recording_available') {
    const d = event.data;
    const whole = (v: number | null) => (v === null ? null : Math.round(v));
    await ctx.exec(RECORDING, [
      pgSafe(ctx, d.path),
      d.startedAt,
      whole(d.durationMs),
      d.channels,
      pgSafe(ctx, d.format.slice(0, 32)),
      whole(d.sizeBytes),
      d.userChannel,
      d.agentChannel,
      event.callId,
    ]);
  }
}
