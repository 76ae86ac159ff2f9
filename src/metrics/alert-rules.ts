/** The Prometheus recording and alerting rules on the package's metrics, as data and as the shipped YAML. */
import { invalidArgument } from '../errors.js';
import { CALLS, COST, DROPPED, E2E_COUNT, SLA } from './series.js';

export interface AlertRuleOptions {
  /** The short window of the SLA burn rate and of the dropped-events alert; default `5m`. */
  shortWindow?: string;
  /** The long window of the SLA burn rate, of the failure rate and of the cost rate; default `1h`. */
  longWindow?: string;
  /** The baseline the cost per minute is compared with; default `7d`. */
  costBaseline?: string;
  /** How long a condition must hold before an alert fires (`for:`); default `2m`. `0s`: at once. */
  for?: string;
  /** The share of answers within the SLA that is the objective; default 0.99 (a 1 % error budget). */
  slaObjective?: number;
  /** The burn rate of the error budget that pages, over both windows; default 14.4 (2 % of a 30-day budget in 1 h). */
  burnRate?: number;
  /** The share of ended calls that failed above which the failure alert fires; default 0.05. */
  failureRatio?: number;
  /** Calls that must have ended in the long window for the failure rate to count; default 5. */
  minCalls?: number;
  /** How many times the baseline cost per minute is alerted on; default 2. */
  costFactor?: number;
}

const DURATION = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/;

function duration(field: string, value: string): string {
  if (!DURATION.test(value)) throw invalidArgument(field, `must be a Prometheus duration such as 30s, 5m or 1h, got "${value}".`);
  return value;
}

function positive(field: string, value: number, max = Number.MAX_VALUE): number {
  if (!Number.isFinite(value) || value <= 0 || value > max) throw invalidArgument(field, `must be a number in (0, ${max}], got ${value}.`);
  return value;
}

interface Resolved {
  short: string;
  long: string;
  baseline: string;
  for: string;
  objective: number;
  burnRate: number;
  failureRatio: number;
  minCalls: number;
  costFactor: number;
}

function resolve(o: AlertRuleOptions): Resolved {
  const objective = o.slaObjective ?? 0.99;
  if (!(objective > 0 && objective < 1)) throw invalidArgument('slaObjective', `must be between 0 and 1 (exclusive), got ${objective}.`);
  return {
    short: duration('shortWindow', o.shortWindow ?? '5m'),
    long: duration('longWindow', o.longWindow ?? '1h'),
    baseline: duration('costBaseline', o.costBaseline ?? '7d'),
    for: duration('for', o.for ?? '2m'),
    objective,
    burnRate: positive('burnRate', o.burnRate ?? 14.4),
    failureRatio: positive('failureRatio', o.failureRatio ?? 0.05, 1),
    minCalls: positive('minCalls', o.minCalls ?? 5),
    costFactor: positive('costFactor', o.costFactor ?? 2),
  };
}

/** The recording rule names for windows `w` (e.g. `convlog:sla_violation_ratio:rate5m`). */
export const recordingRuleName = {
  slaViolationRatio: (w: string) => `convlog:sla_violation_ratio:rate${w}`,
  callFailureRatio: (w: string) => `convlog:call_failure_ratio:rate${w}`,
  costPerMinute: (w: string) => `convlog:cost_usd_per_minute:rate${w}`,
};

interface RecordingRule {
  record: string;
  expr: string;
}
interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
/** Prometheus rule groups, as `promtool check rules` reads them. */
export interface RuleGroups {
  groups: Array<{ name: string; rules: Array<RecordingRule | AlertingRule> }>;
}

/**
 * The recording and alerting rules, as data: the SLA burn rate over a short and a long window
 * (multi-window, Google SRE style), the call failure rate, the cost per minute against its
 * baseline, and events the writers dropped.
 *
 * @throws ConversationLogError `INVALID_ARGUMENT` for a window that is no Prometheus duration or a
 *   threshold out of range
 */
export function alertRules(options: AlertRuleOptions = {}): RuleGroups {
  const o = resolve(options);
  const slaRatio = (w: string) => `sum by (agent_name) (rate(${SLA}[${w}]))\n/\nsum by (agent_name) (rate(${E2E_COUNT}[${w}]))`;
  const budget = `(${o.burnRate} * (1 - ${o.objective}))`;
  const sla = recordingRuleName.slaViolationRatio;
  const failures = recordingRuleName.callFailureRatio(o.long);
  const cost = recordingRuleName.costPerMinute(o.long);
  return {
    groups: [
      {
        name: 'convlog-recording',
        rules: [
          { record: sla(o.short), expr: slaRatio(o.short) },
          { record: sla(o.long), expr: slaRatio(o.long) },
          {
            record: failures,
            expr: `sum by (agent_name) (rate(${CALLS}{status="failed"}[${o.long}]))\n/\nsum by (agent_name) (rate(${CALLS}[${o.long}]))`,
          },
          { record: cost, expr: `sum(rate(${COST}[${o.long}])) * 60` },
        ],
      },
      {
        name: 'convlog-alerts',
        rules: [
          {
            alert: 'ConvlogSlaBurnRateHigh',
            expr: `${sla(o.long)} > ${budget}\nand\n${sla(o.short)} > ${budget}`,
            for: o.for,
            labels: { severity: 'page' },
            annotations: {
              summary: 'Agent {{ $labels.agent_name }} answers over its SLA too often',
              description: `{{ $value | humanizePercentage }} of answers over the SLA in the last ${o.long}, and over ${o.short} too: more than ${o.burnRate}× the error budget of ${((1 - o.objective) * 100).toFixed(2).replace(/\.?0+$/, '')} % (objective: ${o.objective * 100} % of answers within the SLA).`,
            },
          },
          {
            alert: 'ConvlogCallFailureRateHigh',
            expr: `${failures} > ${o.failureRatio}\nand\nsum by (agent_name) (increase(${CALLS}[${o.long}])) >= ${o.minCalls}`,
            for: o.for,
            labels: { severity: 'page' },
            annotations: {
              summary: 'Calls of agent {{ $labels.agent_name }} fail',
              description: `{{ $value | humanizePercentage }} of the calls ended in the last ${o.long} failed (threshold ${o.failureRatio * 100} %).`,
            },
          },
          {
            alert: 'ConvlogCostPerMinuteHigh',
            expr: `${cost} > ${o.costFactor} * avg_over_time(${cost}[${o.baseline}])`,
            for: o.for,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'Priced usage costs more per minute than usual',
              description: `{{ $value | printf "%.4f" }} USD a minute over the last ${o.long}: more than ${o.costFactor}× its average over ${o.baseline}.`,
            },
          },
          {
            alert: 'ConvlogEventsDropped',
            expr: `sum(increase(${DROPPED}[${o.short}])) > 0`,
            for: '0s',
            labels: { severity: 'warning' },
            annotations: {
              summary: 'A writer dropped log events',
              description: `{{ $value | printf "%.0f" }} events dropped in the last ${o.short}: a writer's queue was full (the store is too slow or unreachable). The calls' records are incomplete.`,
            },
          },
        ],
      },
    ],
  };
}

/** A scalar as YAML: JSON's double-quoted strings are YAML's. */
const scalar = (v: string): string => JSON.stringify(v);

function block(indent: string, key: string, text: string): string {
  if (!text.includes('\n')) return `${indent}${key}: ${scalar(text)}\n`;
  return `${indent}${key}: |-\n${text
    .split('\n')
    .map((l) => `${indent}  ${l}`)
    .join('\n')}\n`;
}

/**
 * {@link alertRules} as a Prometheus rules file (YAML), the form `rule_files:` loads and the
 * shipped `monitoring/prometheus/convlog-rules.yml` holds (rendered with the defaults).
 *
 * @example
 * ```ts
 * // Faster windows for a staging fleet:
 * fs.writeFileSync('convlog-rules.yml', renderAlertRules({ shortWindow: '1m', longWindow: '10m', for: '1m' }));
 * ```
 */
export function renderAlertRules(options: AlertRuleOptions = {}): string {
  let out =
    '# Prometheus rules on the metrics of livekit-conversation-log (convlog serve /metrics, or a\n' +
    "# worker's own registry). Rendered by renderAlertRules(); do not edit by hand.\n" +
    'groups:\n';
  for (const group of alertRules(options).groups) {
    out += `  - name: ${scalar(group.name)}\n    rules:\n`;
    for (const rule of group.rules) {
      if ('record' in rule) {
        out += `      - record: ${scalar(rule.record)}\n`;
        out += block('        ', 'expr', rule.expr);
        continue;
      }
      out += `      - alert: ${scalar(rule.alert)}\n`;
      out += block('        ', 'expr', rule.expr);
      out += `        for: ${scalar(rule.for)}\n`;
      out += '        labels:\n';
      for (const [k, v] of Object.entries(rule.labels)) out += `          ${k}: ${scalar(v)}\n`;
      out += '        annotations:\n';
      for (const [k, v] of Object.entries(rule.annotations)) out += `          ${k}: ${scalar(v)}\n`;
    }
  }
  return out;
}
