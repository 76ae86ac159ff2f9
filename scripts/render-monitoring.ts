/**
 * Writes the shipped monitoring files from their one declaration (src/metrics/monitoring.ts):
 * monitoring/prometheus/convlog-rules.yml and monitoring/grafana/convlog-dashboard.json.
 * test/metrics/monitoring.test.ts fails when they are out of date.
 */
import fs from 'node:fs';
import path from 'node:path';
import { renderAlertRules, renderGrafanaDashboard } from '../src/metrics/monitoring.js';

const ROOT = path.resolve(import.meta.dirname, '..');
export const RULES_FILE = path.join(ROOT, 'monitoring/prometheus/convlog-rules.yml');
export const DASHBOARD_FILE = path.join(ROOT, 'monitoring/grafana/convlog-dashboard.json');

fs.mkdirSync(path.dirname(RULES_FILE), { recursive: true });
fs.mkdirSync(path.dirname(DASHBOARD_FILE), { recursive: true });
fs.writeFileSync(RULES_FILE, renderAlertRules());
fs.writeFileSync(DASHBOARD_FILE, renderGrafanaDashboard());
console.log(`wrote ${path.relative(ROOT, RULES_FILE)} and ${path.relative(ROOT, DASHBOARD_FILE)}`);
