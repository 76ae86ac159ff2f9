/**
 * The alerting rules and the Grafana dashboard on the metrics of `COUNTERS` and
 * `TURN_HISTOGRAMS`, declared once: the rules in `alert-rules.ts`, the dashboard in
 * `grafana-dashboard.ts`. The package ships their default rendering in
 * `monitoring/prometheus/convlog-rules.yml` and `monitoring/grafana/convlog-dashboard.json`
 * (`npx tsx scripts/render-monitoring.ts` writes them; a test checks they are up to date).
 */

export { alertRules, recordingRuleName, renderAlertRules, type AlertRuleOptions, type RuleGroups } from './alert-rules.js';
export { dashboardQueries, grafanaDashboard, renderGrafanaDashboard, type DashboardQuery } from './grafana-dashboard.js';
