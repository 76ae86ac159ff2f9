import type { DataSource } from 'typeorm';
import { decodeContent } from '../projections/messages.js';
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
] as const;

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * Every message since `since` as CSV (RFC 4180, header first, `created_at` as ISO UTC), in
 * (created_at, id) order, streamed a page at a time.
 */
export async function* toCsv(dataSource: DataSource, since: number): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  let cursor: [number, string] = [since - 1, ''];
  for (;;) {
    const rows = await select<Record<string, unknown>>(
      dataSource,
      `SELECT * FROM messages WHERE created_at >= ? AND (created_at > ? OR (created_at = ? AND id > ?))
       ORDER BY created_at, id LIMIT ${PAGE}`,
      [since, cursor[0], cursor[0], cursor[1]],
    );
    for (const r of rows) {
      const row: Record<string, unknown> = {
        ...r,
        message_id: r['id'],
        created_at: new Date(Number(r['created_at'])).toISOString(),
        content: decodeContent(String(r['content']), r['content_encoding'] === null ? null : String(r['content_encoding'])),
        interrupted: r['interrupted'] === true || Number(r['interrupted']) === 1,
        sla_violation: r['sla_violation'] === true || Number(r['sla_violation']) === 1,
      };
      yield `${CSV_COLUMNS.map((c) => csvField(row[c])).join(',')}\r\n`;
    }
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!;
    cursor = [Number(last['created_at']), String(last['id'])];
  }
}
