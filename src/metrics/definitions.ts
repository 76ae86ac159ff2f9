/**
 * The metrics, declared once: the Prometheus registration ({@link registerPrometheusMetrics}),
 * the OpenTelemetry instruments ({@link recordOpenTelemetryMetrics}) and the recorder all read
 * these lists.
 *
 * @remarks
 * Histograms are in seconds and carry LiveKit's names (`lk.agents.turn.e2e_latency` in
 * OpenTelemetry, `lk_agents_turn_e2e_latency_seconds` in Prometheus). Labels are bounded: agent,
 * model, outcome, status, end reason, tool — never a call, room or caller.
 */

/** Labels of the per-turn histograms. */
export const TURN_LABELS = ['agent_name', 'model_provider', 'model_name', 'outcome'] as const;

export interface HistogramDefinition {
  /** LiveKit's OpenTelemetry name, e.g. `lk.agents.turn.e2e_latency` (unit `s`). */
  readonly otelName: string;
  /** The Prometheus name: the OpenTelemetry name with `_` and a `_seconds` suffix. */
  readonly promName: string;
  readonly help: string;
}

const turnHistogram = (suffix: string, help: string): HistogramDefinition => ({
  otelName: `lk.agents.turn.${suffix}`,
  promName: `lk_agents_turn_${suffix}_seconds`,
  help,
});

/** Per-turn latencies, in seconds, from each `turn_completed` event (implausible turns are left out). */
export const TURN_HISTOGRAMS = {
  e2eLatencyMs: turnHistogram('e2e_latency', 'Turn end-to-end latency: the user stopped speaking until the agent answered.'),
  llmTtftMs: turnHistogram('llm_ttft', "The turn's LLM time to first token."),
  ttsTtfbMs: turnHistogram('tts_ttfb', "The turn's TTS time to first byte."),
  endOfTurnDelayMs: turnHistogram('end_of_turn_delay', 'The user stopped speaking until the end of turn was decided.'),
  transcriptionDelayMs: turnHistogram('transcription_delay', 'The user stopped speaking until the final transcript.'),
  onUserTurnCompletedDelayMs: turnHistogram('on_user_turn_completed_delay', "Time spent in the agent's onUserTurnCompleted."),
} as const;

export type TurnHistogramKey = keyof typeof TURN_HISTOGRAMS;

export interface CounterDefinition {
  readonly name: string;
  readonly help: string;
  readonly labels: readonly string[];
}

const AGENT_MODEL = ['agent_name', 'model_provider', 'model_name'] as const;

/** The counters (Prometheus names, `_total`). */
export const COUNTERS = {
  calls: { name: 'convlog_calls_total', help: 'Calls ended, by status and end reason.', labels: ['agent_name', 'status', 'end_reason'] },
  turns: { name: 'convlog_turns_total', help: 'Turns completed, by outcome.', labels: TURN_LABELS },
  slaViolations: {
    name: 'convlog_sla_violations_total',
    help: 'Turns whose end-to-end latency exceeded the SLA threshold in force.',
    labels: AGENT_MODEL,
  },
  interruptions: { name: 'convlog_interruptions_total', help: 'Agent replies the user spoke over.', labels: ['agent_name'] },
  falseInterruptions: {
    name: 'convlog_false_interruptions_total',
    help: 'Interruptions LiveKit judged false (the agent resumed).',
    labels: ['agent_name'],
  },
  toolCalls: { name: 'convlog_tool_calls_total', help: 'Tool calls executed.', labels: ['agent_name', 'tool_name'] },
  toolErrors: { name: 'convlog_tool_errors_total', help: 'Tool calls that returned an error.', labels: ['agent_name', 'tool_name'] },
  tokens: {
    name: 'convlog_llm_tokens_total',
    help: 'LLM tokens, by type (input, cached_input, output).',
    labels: [...AGENT_MODEL, 'type'],
  },
  cost: { name: 'convlog_cost_usd_total', help: 'Priced usage in US dollars (unpriced usage adds nothing).', labels: AGENT_MODEL },
  errors: { name: 'convlog_errors_total', help: 'Errors the session reported.', labels: ['agent_name', 'recoverable'] },
  eventsDropped: {
    name: 'convlog_events_dropped_total',
    help: "Events the writer dropped because its queue was full (from the log's events_dropped records).",
    labels: [],
  },
} as const satisfies Record<string, CounterDefinition>;

export type CounterKey = keyof typeof COUNTERS;

/** Default SLA threshold the buckets are placed around when none is given (ms). */
export const DEFAULT_BUCKET_SLA_MS = 1500;

/**
 * Histogram bounds in seconds, dense around the SLA threshold so that `histogram_quantile` is
 * exact to within a few percent where alerts are decided: 10 %–300 % of the SLA, plus fixed
 * low and high bounds.
 */
export function latencyBuckets(slaMs: number = DEFAULT_BUCKET_SLA_MS): number[] {
  const sla = slaMs / 1000;
  const around = [0.1, 0.25, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 2, 3].map((f) => round(sla * f));
  const fixed = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  return [...new Set([...fixed, ...around])].sort((a, b) => a - b);
}

const round = (s: number): number => Math.round(s * 10_000) / 10_000;
