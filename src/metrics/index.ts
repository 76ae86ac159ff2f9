import type { MeterProvider } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import { openTelemetryTarget } from './opentelemetry.js';
import { registerPrometheusMetrics } from './prometheus.js';
import { MetricsRecorder, type MetricsTarget } from './recorder.js';

export { COUNTERS, latencyBuckets, TURN_HISTOGRAMS } from './definitions.js';
export { MetricsRecorder, type Labels, type MetricsTarget, type RecordableEvent } from './recorder.js';
export { registerPrometheusMetrics, type PrometheusMetricsOptions } from './prometheus.js';
export { openTelemetryTarget } from './opentelemetry.js';
export {
  alertRules,
  dashboardQueries,
  grafanaDashboard,
  recordingRuleName,
  renderAlertRules,
  renderGrafanaDashboard,
  type AlertRuleOptions,
  type DashboardQuery,
  type RuleGroups,
} from './monitoring.js';

/**
 * Where an attached session's metrics go (`attachConversationLog(…, { metrics })`).
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * const registry = new Registry();
 * await attachConversationLog(session, ctx, { metrics: { registry } });
 * // the worker's own scrape endpoint: res.end(await registry.metrics())
 * ```
 */
export interface MetricsOptions {
  /** A prom-client registry; default prom-client's default registry. `false`: no Prometheus metrics. */
  registry?: Registry | false;
  /** An OpenTelemetry `MeterProvider`: the turn histograms are also recorded there, under `lk.agents.turn.*`. */
  meterProvider?: MeterProvider;
}

/** A recorder for `options` (`true`: the default registry), or null when there is nothing to record to. */
export function metricsRecorderFor(options: MetricsOptions | boolean | undefined, slaThresholdMs?: number): MetricsRecorder | null {
  if (options === undefined || options === false) return null;
  const o: MetricsOptions = options === true ? {} : options;
  const sla = slaThresholdMs === undefined ? {} : { slaThresholdMs };
  const targets: MetricsTarget[] = [];
  if (o.registry !== false) targets.push(registerPrometheusMetrics({ ...sla, ...(o.registry ? { registry: o.registry } : {}) }));
  if (o.meterProvider) targets.push(openTelemetryTarget(o.meterProvider, sla));
  return targets.length === 0 ? null : new MetricsRecorder(targets);
}
