import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConversationLogError } from '../../src/errors.js';
import { COUNTERS, TURN_HISTOGRAMS } from '../../src/metrics/definitions.js';
import { alertRules, dashboardQueries, grafanaDashboard, renderAlertRules, renderGrafanaDashboard } from '../../src/metrics/monitoring.js';
import { skipWithout } from '../support/requirements.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RULES_FILE = path.join(ROOT, 'monitoring/prometheus/convlog-rules.yml');
const DASHBOARD_FILE = path.join(ROOT, 'monitoring/grafana/convlog-dashboard.json');
const RULES_TEST = path.join(import.meta.dirname, 'fixtures/convlog-rules.test.yml');

/** The metric names an expression reads (histogram series reduced to the histogram's name). */
const metricsIn = (expr: string): string[] =>
  [...expr.matchAll(/\b(lk_agents_turn_[a-z0-9_]+|convlog_[a-z0-9_]+)\b/g)].map((m) => m[1]!.replace(/_(?:bucket|count|sum)$/, ''));

const DECLARED = new Set([...Object.values(TURN_HISTOGRAMS).map((h) => h.promName), ...Object.values(COUNTERS).map((c) => c.name)]);

describe('shipped monitoring files', () => {
  it('given the rules declaration, when rendered with the defaults, then it equals the shipped rules file', () => {
    expect(fs.readFileSync(RULES_FILE, 'utf8')).toBe(renderAlertRules());
  });

  it('given the dashboard declaration, when rendered, then it equals the shipped Grafana JSON', () => {
    expect(fs.readFileSync(DASHBOARD_FILE, 'utf8')).toBe(renderGrafanaDashboard());
    const dashboard = JSON.parse(fs.readFileSync(DASHBOARD_FILE, 'utf8')) as { panels: Array<{ targets: unknown[] }> };
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    expect(dashboard.panels.every((p) => p.targets.length > 0)).toBe(true);
  });

  it('given the package manifest, when packed, then the monitoring folder is in it', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('monitoring');
  });

  it('given the rules and the dashboard, when their queries are read, then they use only declared metrics and never a call label', () => {
    const exprs = [
      ...alertRules()
        .groups.flatMap((g) => g.rules)
        .map((r) => r.expr),
      ...dashboardQueries().map((q) => q.expr),
    ];
    const used = new Set(exprs.flatMap(metricsIn));
    for (const name of used) expect(DECLARED).toContain(name);
    // The SLA, failure, cost and dropped-events alerts, and every histogram in the dashboard.
    for (const name of ['convlog_sla_violations_total', 'convlog_calls_total', 'convlog_cost_usd_total', 'convlog_events_dropped_total'])
      expect(used).toContain(name);
    for (const h of Object.values(TURN_HISTOGRAMS)) expect(used).toContain(h.promName);
    for (const e of exprs) expect(e).not.toMatch(/call_id|room|caller/);
    expect(JSON.stringify(grafanaDashboard())).not.toMatch(/call_id/);
  });

  it('given short windows, when the rules are rendered, then every window and for: is the one asked for', () => {
    const text = renderAlertRules({ shortWindow: '5s', longWindow: '15s', costBaseline: '1m', for: '0s' });
    expect(text).toContain('convlog:sla_violation_ratio:rate5s');
    expect(text).toContain('[15s]');
    expect(text).not.toMatch(/\[(?:5m|1h|7d)\]/);
    expect([...text.matchAll(/for: "([^"]+)"/g)].map((m) => m[1])).toEqual(['0s', '0s', '0s', '0s']);
  });

  it('given a window that is no Prometheus duration or an objective of 1, when rendered, then it is refused as INVALID_ARGUMENT', () => {
    for (const bad of [{ shortWindow: '5 minutes' }, { for: '' }, { slaObjective: 1 }, { failureRatio: 2 }, { burnRate: -1 }]) {
      let error: unknown;
      try {
        renderAlertRules(bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConversationLogError);
      expect((error as ConversationLogError).code).toBe('INVALID_ARGUMENT');
    }
  });
});

describe.skipIf(skipWithout('promtool'))('needs promtool', () => {
  it('given the shipped rules file, when promtool checks it, then it holds 8 valid rules', () => {
    const out = execFileSync('promtool', ['check', 'rules', RULES_FILE], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS: 8 rules found');
  });

  it('given rules rendered with short windows, when promtool checks them, then they are valid', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convlog-rules-'));
    try {
      const file = path.join(dir, 'rules.yml');
      fs.writeFileSync(file, renderAlertRules({ shortWindow: '5s', longWindow: '15s', costBaseline: '1m', for: '0s' }));
      expect(execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8' })).toContain('SUCCESS: 8 rules found');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('given synthetic series, when promtool tests the shipped rules, then SLA burn, failures, cost and dropped events fire as specified', () => {
    // Fails (non-zero exit, execFileSync throws) when any expected alert differs.
    const out = execFileSync('promtool', ['test', 'rules', RULES_TEST], { encoding: 'utf8', cwd: path.dirname(RULES_TEST) });
    expect(out).toContain('SUCCESS');
  });
});
