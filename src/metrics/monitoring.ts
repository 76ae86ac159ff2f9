import { invalidArgument } from '../errors.js';
import { COUNTERS, TURN_HISTOGRAMS } from './definitions.js';

/**
 * The alerting rules and the Grafana dashboard on the metrics of {@link COUNTERS} and
 * {@link TURN_HISTOGRAMS}, declared once here. The package ships their default rendering in
 * `monitoring/prometheus/convlog-rules.yml` and `monitoring/grafana/convlog-dashboard.json`
 * (`npx tsx scripts/render-monitoring.ts` writes them; a test checks they are up to date).
 */

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

const E2E_COUNT = `${TURN_HISTOGRAMS.e2eLatencyMs.promName}_count`;
const CALLS = COUNTERS.calls.name;
const SLA = COUNTERS.slaViolations.name;
const COST = COUNTERS.cost.name;
const DROPPED = COUNTERS.eventsDropped.name;

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

/** Every PromQL expression of the dashboard, by panel title, with Grafana's variables in it. */
export interface DashboardQuery {
  panel: string;
  expr: string;
  legend: string;
}

const AGENT = 'agent_name=~"$agent"';
const RATE = '[$__rate_interval]';
const quantile = (q: number, metric: string, by = '') =>
  `histogram_quantile(${q}, sum by (le${by}) (rate(${metric}_bucket{${AGENT}}${RATE})))`;

interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  targets: Array<{ expr: string; legend: string }>;
  width?: number;
}

function panelSpecs(): PanelSpec[] {
  const e2e = TURN_HISTOGRAMS.e2eLatencyMs.promName;
  const h = TURN_HISTOGRAMS;
  return [
    {
      title: 'Turn end-to-end latency',
      description: 'The user stopped speaking until the agent answered: quantiles over all answers.',
      unit: 's',
      targets: [
        { expr: quantile(0.5, e2e), legend: 'p50' },
        { expr: quantile(0.95, e2e), legend: 'p95' },
        { expr: quantile(0.99, e2e), legend: 'p99' },
      ],
    },
    {
      title: 'Answers over the SLA',
      description: 'Share of answers whose end-to-end latency exceeded the SLA threshold in force, per agent.',
      unit: 'percentunit',
      targets: [
        {
          expr: `sum by (agent_name) (rate(${SLA}{${AGENT}}${RATE}))\n/\nsum by (agent_name) (rate(${E2E_COUNT}{${AGENT}}${RATE}))`,
          legend: '{{agent_name}}',
        },
      ],
    },
    {
      title: 'p95 latency by stage',
      description: 'The stages of a turn: end of turn, transcription, LLM first token, TTS first byte.',
      unit: 's',
      targets: [
        { expr: quantile(0.95, h.endOfTurnDelayMs.promName), legend: 'end of turn' },
        { expr: quantile(0.95, h.transcriptionDelayMs.promName), legend: 'transcription' },
        { expr: quantile(0.95, h.llmTtftMs.promName), legend: 'LLM first token' },
        { expr: quantile(0.95, h.ttsTtfbMs.promName), legend: 'TTS first byte' },
        { expr: quantile(0.95, h.onUserTurnCompletedDelayMs.promName), legend: 'onUserTurnCompleted' },
      ],
    },
    {
      title: 'p95 end-to-end latency by model',
      description: 'The LLM that answered.',
      unit: 's',
      targets: [{ expr: quantile(0.95, e2e, ', model_name'), legend: '{{model_name}}' }],
    },
    {
      title: 'Calls ended per minute',
      description: 'By status (completed, failed, abandoned).',
      unit: 'short',
      targets: [{ expr: `sum by (status) (rate(${CALLS}{${AGENT}}${RATE})) * 60`, legend: '{{status}}' }],
    },
    {
      title: 'Call failure rate',
      description: 'Share of ended calls that failed, per agent.',
      unit: 'percentunit',
      targets: [
        {
          expr: `sum by (agent_name) (rate(${CALLS}{${AGENT},status="failed"}${RATE}))\n/\nsum by (agent_name) (rate(${CALLS}{${AGENT}}${RATE}))`,
          legend: '{{agent_name}}',
        },
      ],
    },
    {
      title: 'Cost per minute',
      description: 'Priced usage in US dollars per minute, by model (unpriced usage adds nothing).',
      unit: 'currencyUSD',
      targets: [{ expr: `sum by (model_name) (rate(${COST}{${AGENT}}${RATE})) * 60`, legend: '{{model_name}}' }],
    },
    {
      title: 'LLM tokens per minute',
      description: 'Input, cached input and output tokens.',
      unit: 'short',
      targets: [{ expr: `sum by (type) (rate(${COUNTERS.tokens.name}{${AGENT}}${RATE})) * 60`, legend: '{{type}}' }],
    },
    {
      title: 'Interruptions per minute',
      description: 'Agent replies the user spoke over, and those LiveKit judged false.',
      unit: 'short',
      targets: [
        { expr: `sum(rate(${COUNTERS.interruptions.name}{${AGENT}}${RATE})) * 60`, legend: 'interruptions' },
        { expr: `sum(rate(${COUNTERS.falseInterruptions.name}{${AGENT}}${RATE})) * 60`, legend: 'false interruptions' },
      ],
    },
    {
      title: 'Tool calls per minute',
      description: 'Executed, and returned an error, by tool.',
      unit: 'short',
      targets: [
        { expr: `sum by (tool_name) (rate(${COUNTERS.toolCalls.name}{${AGENT}}${RATE})) * 60`, legend: '{{tool_name}}' },
        { expr: `sum by (tool_name) (rate(${COUNTERS.toolErrors.name}{${AGENT}}${RATE})) * 60`, legend: '{{tool_name}} errors' },
      ],
    },
    {
      title: 'Session errors and dropped events',
      description: 'Errors the sessions reported, and log events a writer dropped (its queue was full).',
      unit: 'short',
      targets: [
        {
          expr: `sum by (recoverable) (increase(${COUNTERS.errors.name}{${AGENT}}${RATE}))`,
          legend: 'errors, recoverable={{recoverable}}',
        },
        { expr: `sum(increase(${DROPPED}${RATE}))`, legend: 'events dropped' },
      ],
    },
    {
      title: 'Turns per minute',
      description: 'Turns completed, by outcome.',
      unit: 'short',
      targets: [{ expr: `sum by (outcome) (rate(${COUNTERS.turns.name}{${AGENT}}${RATE})) * 60`, legend: '{{outcome}}' }],
    },
  ];
}

/** Every query of {@link grafanaDashboard}, for checking them against a Prometheus. */
export function dashboardQueries(): DashboardQuery[] {
  return panelSpecs().flatMap((p) => p.targets.map((t) => ({ panel: p.title, expr: t.expr, legend: t.legend })));
}

/**
 * A Grafana dashboard (JSON model, schema 39) on the same metrics: latency quantiles, SLA
 * violations, calls and failures, cost, tokens, interruptions, tools, errors and dropped events,
 * with a Prometheus data source variable and an agent filter. The package ships it as
 * `monitoring/grafana/convlog-dashboard.json` (import it in Grafana: Dashboards → New → Import).
 */
export function grafanaDashboard(): Record<string, unknown> {
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  const panels = panelSpecs().map((p, i) => ({
    id: i + 1,
    type: 'timeseries',
    title: p.title,
    description: p.description,
    datasource,
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: { defaults: { unit: p.unit, min: 0 }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), datasource, expr: t.expr, legendFormat: t.legend })),
  }));
  return {
    title: 'LiveKit conversation log',
    uid: 'livekit-convlog',
    description: 'Voice-agent calls recorded by livekit-conversation-log: latency, SLA, failures, cost.',
    tags: ['livekit', 'voice-agents', 'convlog'],
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0 },
        {
          name: 'agent',
          label: 'Agent',
          type: 'query',
          datasource,
          query: { query: `label_values(${CALLS}, agent_name)`, refId: 'agents' },
          definition: `label_values(${CALLS}, agent_name)`,
          includeAll: true,
          allValue: '.*',
          multi: true,
          current: { selected: true, text: ['All'], value: ['$__all'] },
          refresh: 2,
          sort: 1,
          hide: 0,
        },
      ],
    },
    annotations: { list: [] },
    panels,
  };
}

/** {@link grafanaDashboard} as the shipped file's text. */
export function renderGrafanaDashboard(): string {
  return `${JSON.stringify(grafanaDashboard(), null, 2)}\n`;
}
