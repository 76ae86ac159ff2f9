import type { Histogram, MeterProvider } from '@opentelemetry/api';
import { latencyBuckets, TURN_HISTOGRAMS, type TurnHistogramKey } from './definitions.js';
import type { Labels, MetricsTarget } from './recorder.js';

/** The instrumentation scope the instruments are created under. */
export const METER_NAME = 'livekit-conversation-log';

/**
 * Creates the turn histograms on an OpenTelemetry `MeterProvider` under LiveKit's names
 * (`lk.agents.turn.e2e_latency`, `…llm_ttft`, `…tts_ttfb`, `…end_of_turn_delay`,
 * `…transcription_delay`; unit `s`), with the same labels as attributes and the same bucket
 * bounds (as advice) as the Prometheus histograms.
 *
 * @remarks
 * `@opentelemetry/api` is an optional peer dependency: only its types are imported here, the
 * provider is the application's.
 */
export function openTelemetryTarget(provider: MeterProvider, options: { slaThresholdMs?: number } = {}): MetricsTarget {
  const meter = provider.getMeter(METER_NAME);
  const boundaries = latencyBuckets(options.slaThresholdMs);
  const histograms = new Map<TurnHistogramKey, Histogram>();
  for (const [key, def] of Object.entries(TURN_HISTOGRAMS) as [TurnHistogramKey, (typeof TURN_HISTOGRAMS)[TurnHistogramKey]][]) {
    histograms.set(
      key,
      meter.createHistogram(def.otelName, { unit: 's', description: def.help, advice: { explicitBucketBoundaries: boundaries } }),
    );
  }
  return {
    observe(key: TurnHistogramKey, labels: Labels, seconds: number) {
      histograms.get(key)!.record(seconds, labels);
    },
    add() {
      // Counters are Prometheus-only; the OpenTelemetry side records LiveKit's histograms.
    },
  };
}
