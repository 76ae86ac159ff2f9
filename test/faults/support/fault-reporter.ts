import type { Reporter, TestCase, TestModule } from 'vitest/node';

/** One line of the closing table: a fault, how often it was injected, what was sent and stored. */
export interface FaultRow {
  fault: string;
  runs: number;
  sent: number;
  stored: number;
  lost: number;
  duplicated: number;
}

/** Attaches a row to the running test (the reporter prints the table at the end). */
export function recordFault(task: { meta: object }, row: FaultRow): void {
  (task.meta as { fault?: FaultRow }).fault = row;
}

/** Prints the fault table: fault, runs, events sent, stored, lost, duplicated. */
export default class FaultReporter implements Reporter {
  private rows: Array<FaultRow & { passed: boolean }> = [];

  onTestCaseResult(test: TestCase): void {
    const row = (test.meta() as { fault?: FaultRow }).fault;
    if (row) this.rows.push({ ...row, passed: test.result().state === 'passed' });
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>): void {
    if (this.rows.length === 0) return;
    const head = ['fault', 'runs', 'sent', 'stored', 'lost', 'duplicated', 'test'];
    const body = this.rows.map((r) => [r.fault, r.runs, r.sent, r.stored, r.lost, r.duplicated, r.passed ? 'ok' : 'FAILED'].map(String));
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
    console.log(['', line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n'));
  }
}
