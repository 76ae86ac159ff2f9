import type { AnalysisFailedData, RecordedEvent } from '../events/types.js';

type AnalysisRunFields = Pick<
  AnalysisFailedData,
  'provider' | 'model' | 'tokensInput' | 'tokensOutput' | 'costUsd' | 'priceVersion' | 'attempts' | 'durationMs'
>;
import type { Projection, ProjectionContext } from './projection.js';
import { jsonOrNull, pgSafe } from './projection.js';

const COLUMNS = [
  'call_id',
  'event_position',
  'status',
  'summary',
  'verdict',
  'verdict_reason',
  'fields',
  'fields_valid',
  'fields_errors',
  'raw_output',
  'error',
  'error_type',
  'provider',
  'model',
  'tokens_input',
  'tokens_output',
  'cost_usd',
  'price_version',
  'attempts',
  'duration_ms',
  'analyzed_at',
] as const;

const UPSERT = `INSERT INTO call_analyses (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT (call_id) DO UPDATE SET ${COLUMNS.slice(1)
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

/** The analysis run's columns (model, tokens, cost, attempts, duration), the same for a completed and a failed one. */
const runValues = (ctx: ProjectionContext, d: AnalysisRunFields): unknown[] => [
  pgSafe(ctx, d.provider),
  pgSafe(ctx, d.model),
  tokens(d.tokensInput),
  tokens(d.tokensOutput),
  d.costUsd,
  d.priceVersion,
  d.attempts,
  d.durationMs,
];

async function apply(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  if (event.type === 'analysis_completed') {
    const d = event.data;
    await ctx.exec(UPSERT, [
      event.callId,
      event.position,
      'completed',
      pgSafe(ctx, d.summary),
      d.verdict,
      pgSafe(ctx, d.verdictReason),
      d.fields === null ? null : JSON.stringify(d.fields),
      d.fieldsValid,
      jsonOrNull(d.fieldsErrors),
      pgSafe(ctx, d.rawOutput),
      null,
      null,
      ...runValues(ctx, d),
      event.occurredAt,
    ]);
  } else if (event.type === 'analysis_failed') {
    const d = event.data;
    await ctx.exec(UPSERT_FAILED, [
      event.callId,
      event.position,
      'failed',
      null,
      null,
      null,
      null,
      null,
      null,
      pgSafe(ctx, d.rawOutput),
      pgSafe(ctx, d.error),
      pgSafe(ctx, d.errorType),
      ...runValues(ctx, d),
      event.occurredAt,
    ]);
  }
}
