import { Counter, Histogram, register as defaultRegistry, type Registry } from 'prom-client';
import { COUNTERS, latencyBuckets, TURN_HISTOGRAMS, TURN_LABELS, type CounterKey, type TurnHistogramKey } from './definitions.js';
import type { Labels, MetricsTarget } from './recorder.js';

export interface PrometheusMetricsOptions {
  /** The registry to register in; default prom-client's default registry (`register`). */
  registry?: Registry;
  /** The SLA threshold (ms) the histogram buckets are placed around; default 1500. */
  slaThresholdMs?: number;
}

/**
 * Registers the metrics of {@link TURN_HISTOGRAMS} and {@link COUNTERS} in a prom-client registry
 * and returns the target a {@link MetricsRecorder} writes to.
 *
 * @remarks
 * Idempotent per registry: metrics already registered under these names (by an earlier call, as
 * each attached session of a worker does) are reused, so every call of the process adds to the
 * same series.
 */
export function registerPrometheusMetrics(options: PrometheusMetricsOptions = {}): MetricsTarget {
  const registry = options.registry ?? defaultRegistry;
  const buckets = latencyBuckets(options.slaThresholdMs);
  const histograms = new Map<TurnHistogramKey, Histogram>();
  for (const [key, def] of Object.entries(TURN_HISTOGRAMS) as [TurnHistogramKey, (typeof TURN_HISTOGRAMS)[TurnHistogramKey]][]) {
    const existing = registry.getSingleMetric(def.promName);
    histograms.set(
      key,
      existing instanceof Histogram
        ? existing
        : new Histogram({ name: def.promName, help: def.help, labelNames: TURN_LABELS, buckets, registers: [registry] }),
    );
  }
  const counters = new Map<CounterKey, Counter>();
  for (const [key, def] of Object.entries(COUNTERS) as [CounterKey, (typeof COUNTERS)[CounterKey]][]) {
    const existing = registry.getSingleMetric(def.name);
    counters.set(
      key,
      existing instanceof Counter
        ? existing
        : new Counter({ name: def.name, help: def.help, labelNames: def.labels, registers: [registry] }),
    );
  }
  return {
    observe(key: TurnHistogramKey, labels: Labels, seconds: number) {
      histograms.get(key)!.observe(labels, seconds);
    },
    add(key: CounterKey, labels: Labels, value: number) {
      counters.get(key)!.inc(labels, value);
    },
  };
}
