import { CALL_ANALYSES, type CallAnalysisRow } from '../../entities/tables.js';
import type { AnalysisFailedData, RecordedEvent } from '../events/types.js';
import type { Projection, ProjectionContext } from './projection.js';
import { callOf, jsonOrNull, pgSafe } from './projection.js';

type AnalysisRunFields = Pick<
  AnalysisFailedData,
  'provider' | 'model' | 'tokensInput' | 'tokensOutput' | 'costUsd' | 'priceVersion' | 'attempts' | 'durationMs'
>;

const UPSERT = `${CALL_ANALYSES.insertSql}
  ON CONFLICT (call_id) DO UPDATE SET ${CALL_ANALYSES.names
    .filter((c) => c !== 'call_id')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;
/** A failure never replaces a completed analysis (a failed `--redo` keeps the one that worked). */
const UPSERT_FAILED = `${UPSERT} WHERE call_analyses.status <> 'completed'`;

/**
 * `call_analyses`: one row per analysed call, from `analysis_completed` (the latest replaces the
 * one before) and `analysis_failed` (kept only while no analysis of the call completed). Rows
 * depend on the events alone, in log order, so a rebuild reproduces them.
 */
export const callAnalysesProjection: Projection = {
  name: 'call_analyses',
  table: 'call_analyses',
  canHandle: ['analysis_completed', 'analysis_failed'],
  async handle(events, ctx) {
    for (const event of events) await apply(event, ctx);
  },
};

const tokens = (n: number | null): number | null => (n === null ? null : Math.round(n));

type RunColumns = 'provider' | 'model' | 'tokensInput' | 'tokensOutput' | 'costUsd' | 'priceVersion' | 'attempts' | 'durationMs';

/** The analysis run's columns (model, tokens, cost, attempts, duration), the same for a completed and a failed one. */
const runColumns = (ctx: ProjectionContext, d: AnalysisRunFields): Pick<CallAnalysisRow, RunColumns> => ({
  provider: pgSafe(ctx, d.provider),
  model: pgSafe(ctx, d.model),
  tokensInput: tokens(d.tokensInput),
  tokensOutput: tokens(d.tokensOutput),
  costUsd: d.costUsd,
  priceVersion: d.priceVersion,
  attempts: d.attempts,
  durationMs: d.durationMs,
});

async function apply(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  if (event.type === 'analysis_completed') {
    const d = event.data;
    await ctx.exec(
      UPSERT,
      CALL_ANALYSES.values({
        callId: callOf(event),
        eventPosition: event.position,
        status: 'completed',
        summary: pgSafe(ctx, d.summary),
        verdict: d.verdict,
        verdictReason: pgSafe(ctx, d.verdictReason),
        fields: d.fields === null ? null : JSON.stringify(d.fields),
        fieldsValid: d.fieldsValid,
        fieldsErrors: jsonOrNull(d.fieldsErrors),
        rawOutput: pgSafe(ctx, d.rawOutput),
        error: null,
        errorType: null,
        ...runColumns(ctx, d),
        analyzedAt: event.occurredAt,
      }),
    );
  } else if (event.type === 'analysis_failed') {
    const d = event.data;
    await ctx.exec(
      UPSERT_FAILED,
      CALL_ANALYSES.values({
        callId: callOf(event),
        eventPosition: event.position,
        status: 'failed',
        summary: null,
        verdict: null,
        verdictReason: null,
        fields: null,
        fieldsValid: null,
        fieldsErrors: null,
        rawOutput: pgSafe(ctx, d.rawOutput),
        error: pgSafe(ctx, d.error),
        errorType: pgSafe(ctx, d.errorType),
        ...runColumns(ctx, d),
        analyzedAt: event.occurredAt,
      }),
    );
  }
}
