import type { DataSource } from 'typeorm';
import { decodeContent } from '../projections/messages.js';
import { getCallTags } from '../queries/call-analysis.js';
import { select } from '../queries/sql.js';

const PAGE = 1000;

export const CSV_COLUMNS = [
  'call_id',
  'conversation_id',
  'message_id',
  'created_at',
  'role',
  'content',
  'stt_confidence',
  'processing_time_ms',
  'llm_model',
  'llm_tokens_input',
  'llm_tokens_output',
  'llm_cost_usd',
  'interrupted',
  'sla_violation',
  'tool_name',
  'tool_arguments',
  'tool_is_error',
  /** The call's post-call analysis verdict (`pass`, `fail`, `unclear`); empty without one. */
  'call_verdict',
  /** The tags the agent put on the call (`handle.tag()`), sorted, joined by `;`. */
  'call_tags',
] as const;

/** What {@link toCsv} may change so a spreadsheet opens the file safely. */
export interface CsvOptions {
  /**
   * Write every cell as stored. By default a cell starting with `=`, `+`, `-`, `@`, TAB or CR gets
   * a leading `'` (OWASP's defence against CSV formula injection) and raw control bytes other than
   * TAB, LF and CR (ESC, NUL, …) are removed.
   */
  raw?: boolean;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const FORMULA_START = /^[=+\-@\t\r]/;
/** A number PostgreSQL hands back as text (`numeric`, `bigint`): written as it is. */
const NUMBER = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. Unless `raw`,
 * control bytes are stripped and a cell a spreadsheet would read as a formula is prefixed with `'`.
 */
export function csvField(v: unknown, options: CsvOptions = {}): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  if (!options.raw && typeof v === 'string') {
    s = s.replace(CONTROL, '');
    if (FORMULA_START.test(s) && !NUMBER.test(s)) s = `'${s}`;
  }
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * Every message since `since` as CSV (RFC 4180, header first, `created_at` as ISO UTC), in
 * (created_at, id) order, streamed a page at a time, each with its call's analysis verdict and
 * tags. Text cells are made safe for spreadsheets
 * unless `options.raw` (see {@link CsvOptions}); numbers are written as they are.
 */
export async function* toCsv(dataSource: DataSource, since: number, options: CsvOptions = {}): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  let cursor: [number, string] = [since - 1, ''];
  for (;;) {
    const rows = await select<Record<string, unknown>>(
      dataSource,
      `SELECT m.*, ca.verdict AS call_verdict FROM messages m LEFT JOIN call_analyses ca ON ca.call_id = m.call_id
       WHERE m.created_at >= ? AND (m.created_at > ? OR (m.created_at = ? AND m.id > ?))
       ORDER BY m.created_at, m.id LIMIT ${PAGE}`,
      [since, cursor[0], cursor[0], cursor[1]],
    );
    const tags = await getCallTags(dataSource, [...new Set(rows.map((r) => String(r['call_id'])))]);
    for (const r of rows) {
      const row: Record<string, unknown> = {
        ...r,
        message_id: r['id'],
        created_at: new Date(Number(r['created_at'])).toISOString(),
        content: decodeContent(String(r['content']), r['content_encoding'] === null ? null : String(r['content_encoding'])),
        interrupted: r['interrupted'] === true || Number(r['interrupted']) === 1,
        sla_violation: r['sla_violation'] === true || Number(r['sla_violation']) === 1,
        call_tags: tags.get(String(r['call_id']))?.join(';'),
      };
      yield `${CSV_COLUMNS.map((c) => csvField(row[c], options)).join(',')}\r\n`;
    }
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!;
    cursor = [Number(last['created_at']), String(last['id'])];
  }
}
