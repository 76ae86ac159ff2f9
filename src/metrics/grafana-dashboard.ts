/** The Grafana dashboard on the package's metrics, as its JSON model and as the shipped file. */
import { COUNTERS, TURN_HISTOGRAMS } from './definitions.js';
import { CALLS, COST, DROPPED, E2E_COUNT, SLA } from './series.js';

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
