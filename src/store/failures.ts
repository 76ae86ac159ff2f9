import { isConversationLogError } from '../errors.js';

/**
 * Whether a failed flush is worth retrying.
 *
 * `transient`: the database is busy, locked, full, read-only, unreachable or restarting, or
 * another writer took the same stream position — retry the batch later.
 * `permanent`: the database refuses the data itself — isolate the bad event.
 */
export type FailureKind = 'transient' | 'permanent';

const SQLITE_TRANSIENT =
  /SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL|NOMEM|INTERRUPT)|database is locked|disk I\/O error|database or disk is full|readonly database|unable to open/i;
const NODE_TRANSIENT =
  /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENOSPC|EACCES|EROFS|CONVLOG_WRITER_EXITED)$/;
/** PostgreSQL SQLSTATE classes/codes that say "try again". */
const PG_TRANSIENT_PREFIX = ['08', '53', '57', '58', '40'];
const PG_TRANSIENT_CODES = new Set(['55P03', '55006', '25P02']);
const TRANSIENT_TEXT =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable|the database system is (starting up|shutting down)|terminating connection|Cannot use a pool after calling end|read-only|ECONNREFUSED|ECONNRESET/i;

function codesOf(error: unknown): string[] {
  const out: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const o = e as { code?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof o.code === 'string') out.push(o.code);
    e = o.driverError ?? o.cause;
  }
  return out;
}

function messagesOf(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e && depth < 4; depth++) {
    parts.push(e instanceof Error ? e.message : String(e));
    e = typeof e === 'object' ? ((e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause) : null;
  }
  return parts.join(' | ');
}

export function classifyFailure(error: unknown): FailureKind {
  // The store could not be opened (unreachable, its database or directory not there yet): the
  // next attempt opens it again.
  if (isConversationLogError(error) && error.code === 'DB_UNAVAILABLE') return 'transient';
  const codes = codesOf(error);
  for (const code of codes) {
    if (SQLITE_TRANSIENT.test(code) || NODE_TRANSIENT.test(code)) return 'transient';
    if (/^[0-9A-Z]{5}$/.test(code)) {
      if (PG_TRANSIENT_CODES.has(code) || PG_TRANSIENT_PREFIX.some((p) => code.startsWith(p))) return 'transient';
      // A unique violation on the stream index: another writer moved the call's stream on.
      if (code === '23505' && /ux_events_stream/.test(messagesOf(error))) return 'transient';
    }
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' && /events\.call_id, events\.stream_position/.test(messagesOf(error))) return 'transient';
  }
  const text = messagesOf(error);
  if (SQLITE_TRANSIENT.test(text) || TRANSIENT_TEXT.test(text)) return 'transient';
  if (/UNIQUE constraint failed: events\.call_id, events\.stream_position/.test(text)) return 'transient';
  return 'permanent';
}

const SQLITE_LOCK = /^SQLITE_(BUSY|LOCKED)/;
/** PostgreSQL: serialization failure, deadlock detected, lock not available. */
const PG_LOCK_CODES = new Set(['40001', '40P01', '55P03']);

/**
 * Whether a failed attempt only waited on another writer: SQLite busy or locked, a PostgreSQL
 * lock or serialization conflict, or another writer having taken the same stream position.
 * Retried, such a wait commits; it is contention, not a failure of the store.
 */
export function isLockWait(error: unknown): boolean {
  const codes = codesOf(error);
  for (const code of codes) {
    if (SQLITE_LOCK.test(code) || PG_LOCK_CODES.has(code)) return true;
    if (code === '23505' && /ux_events_stream/.test(messagesOf(error))) return true;
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' && /events\.call_id, events\.stream_position/.test(messagesOf(error))) return true;
  }
  const text = messagesOf(error);
  return /database is locked|database table is locked|UNIQUE constraint failed: events\.call_id, events\.stream_position/.test(text);
}
