import type { DataSource } from 'typeorm';
import { MESSAGES } from '../../entities/tables.js';
import type { CallStatus, MessageRole } from '../events/types.js';
import { decodeContent } from '../projections/messages.js';
import { MAX_TIME_MS, select, timeMs, wholeNumber } from './sql.js';

/** One line of a stored transcript: what was said (or which tool ran), by whom, when. */
export interface TranscriptLine {
  role: MessageRole;
  content: string;
  createdAt: number;
  /** For tool messages: the tool's name and its arguments (the output is `content`). */
  toolName: string | null;
  toolArguments: string | null;
  interrupted: boolean;
}

/** A call's stored transcript: as the store holds it, so redacted by the same rules. */
export interface CallTranscript {
  callId: string;
  status: CallStatus;
  startedAt: number;
  lines: TranscriptLine[];
}

/** The columns of a message a transcript line is read from. */
const LINE = MESSAGES.pick('role', 'content', 'contentEncoding', 'createdAt', 'toolName', 'toolArguments', 'interrupted');

/** The messages of a call, oldest first, from the `messages` projection; null when there is no such call. */
export async function getCallTranscript(dataSource: DataSource, callId: string): Promise<CallTranscript | null> {
  const [call] = await select<{ status: string; started_at: unknown }>(dataSource, 'SELECT status, started_at FROM calls WHERE id = ?', [
    callId,
  ]);
  if (call === undefined) return null;
  const rows = await select<Record<string, unknown>>(
    dataSource,
    `SELECT ${LINE.names.join(', ')} FROM messages WHERE call_id = ? ORDER BY created_at, event_position`,
    [callId],
  );
  return {
    callId,
    status: call.status as CallStatus,
    startedAt: Number(call.started_at),
    lines: rows.map((r) => {
      const { role, content, contentEncoding, createdAt, toolName, toolArguments, interrupted } = LINE.read(r);
      return {
        role: role as MessageRole,
        content: decodeContent(content, contentEncoding),
        createdAt,
        toolName,
        toolArguments,
        interrupted,
      };
    }),
  };
}

/** Which stored calls {@link callsToAnalyze} picks. */
export interface CallsToAnalyzeFilter {
  /** Calls that started at or after this time (ms UTC). */
  from?: number;
  /** This call only (analysed whether or not it has an analysis when `redo` is set). */
  callId?: string;
  /** Also calls that already have a completed analysis (default: only calls without one, or whose analysis failed). */
  redo?: boolean;
  /** At most this many, oldest first (default 1000). */
  limit?: number;
}

/**
 * Ended calls to analyse, oldest first: without a completed analysis unless `redo`. Active calls
 * are never picked (their transcript is not final).
 */
export async function callsToAnalyze(dataSource: DataSource, filter: CallsToAnalyzeFilter = {}): Promise<string[]> {
  const where = [`c.status <> 'active'`];
  const params: unknown[] = [];
  if (filter.from !== undefined) {
    where.push('c.started_at >= ?');
    params.push(Math.max(-MAX_TIME_MS, timeMs('from', filter.from)));
  }
  if (filter.callId !== undefined) {
    where.push('c.id = ?');
    params.push(filter.callId);
  }
  if (filter.redo !== true) where.push(`(a.status IS NULL OR a.status <> 'completed')`);
  const limit = filter.limit === undefined ? 1000 : wholeNumber('limit', filter.limit, 1, 1_000_000);
  const rows = await select<{ id: string }>(
    dataSource,
    `SELECT c.id FROM calls c LEFT JOIN call_analyses a ON a.call_id = c.id
     WHERE ${where.join(' AND ')} ORDER BY c.started_at, c.id LIMIT ${limit}`,
    params,
  );
  return rows.map((r) => String(r.id));
}
