import type { DataSource } from 'typeorm';
import { toLogEvent, type LogEvent } from './call-detail.js';
import { num, select, wholeNumber } from './sql.js';

/** The newest log position, or 0 for an empty log. */
export async function latestLogPosition(dataSource: DataSource): Promise<number> {
  const [row] = await select<{ p: unknown }>(dataSource, 'SELECT MAX(position) AS p FROM events');
  return num(row?.p) ?? 0;
}

/**
 * Up to `limit` events of the log after `position`, in log order, optionally of one call only.
 *
 * @remarks
 * On PostgreSQL two writers can commit positions out of order (an earlier position becomes
 * visible after a later one). Followers should re-read a small window behind their cursor and
 * skip positions they have already seen; {@link LogFollower} does that.
 */
export async function readLogAfter(
  dataSource: DataSource,
  position: number,
  options: { limit?: number; callId?: string } = {},
): Promise<LogEvent[]> {
  const limit = options.limit === undefined ? 500 : Math.min(5000, wholeNumber('limit', options.limit, 1, Number.MAX_SAFE_INTEGER));
  const params: unknown[] = [wholeNumber('position', position, 0, Number.MAX_SAFE_INTEGER)];
  let where = 'position > ?';
  if (options.callId !== undefined) {
    where += ' AND call_id = ?';
    params.push(options.callId);
  }
  const rows = await select<Record<string, unknown>>(
    dataSource,
    `SELECT position, event_id, call_id, stream_position, type, schema_version, occurred_at, recorded_at, data
     FROM events WHERE ${where} ORDER BY position LIMIT ${limit}`,
    params,
  );
  return rows.map(toLogEvent);
}

/**
 * Follows the log by position: each {@link LogFollower.poll} returns the events not returned
 * before, in log order. It re-reads `lookback` positions behind its cursor so that an event
 * committed late by a concurrent writer (PostgreSQL) is still delivered, exactly once.
 */
export class LogFollower {
  private cursor: number;
  /** Positions at or below this were delivered before the follower started (e.g. by a page load). */
  private readonly startAt: number;
  private readonly seen = new Set<number>();

  constructor(
    private readonly dataSource: DataSource,
    after: number,
    private readonly options: { callId?: string; lookback?: number; batch?: number } = {},
  ) {
    this.cursor = wholeNumber('after', after, 0, Number.MAX_SAFE_INTEGER);
    this.startAt = this.cursor;
    if (options.lookback !== undefined) wholeNumber('lookback', options.lookback, 0, 100_000);
    if (options.batch !== undefined) wholeNumber('batch', options.batch, 1, 5000);
  }

  /** The highest position delivered so far (or the start position). */
  get position(): number {
    return this.cursor;
  }

  async poll(): Promise<LogEvent[]> {
    const lookback = this.options.lookback ?? 100;
    const from = Math.max(this.startAt, this.cursor - lookback);
    const rows = await readLogAfter(this.dataSource, from, {
      limit: (this.options.batch ?? 500) + lookback,
      ...(this.options.callId === undefined ? {} : { callId: this.options.callId }),
    });
    const fresh: LogEvent[] = [];
    for (const e of rows) {
      if (this.seen.has(e.position)) continue;
      this.seen.add(e.position);
      fresh.push(e);
      if (e.position > this.cursor) this.cursor = e.position;
    }
    for (const p of this.seen) if (p <= this.cursor - lookback) this.seen.delete(p);
    return fresh;
  }
}

/** The newest `count` events of the log (1–1000), oldest first. */
export async function readLogTail(dataSource: DataSource, count: number): Promise<LogEvent[]> {
  const n = Math.min(1000, wholeNumber('count', count, 1, Number.MAX_SAFE_INTEGER));
  const rows = await select<Record<string, unknown>>(
    dataSource,
    `SELECT position, event_id, call_id, stream_position, type, schema_version, occurred_at, recorded_at, data
     FROM events ORDER BY position DESC LIMIT ${n}`,
  );
  return rows.map(toLogEvent).reverse();
}

/**
 * The position to follow from so that the newest `count` events (of one call, of some types, when
 * given) come first: a position just below the `count`-th newest match, or 0 when there are fewer.
 */
export async function positionBefore(
  dataSource: DataSource,
  count: number,
  options: { callId?: string; types?: readonly string[] } = {},
): Promise<number> {
  const n = wholeNumber('count', count, 1, 100_000);
  const where: string[] = [];
  const params: unknown[] = [];
  if (options.callId !== undefined) {
    where.push('call_id = ?');
    params.push(options.callId);
  }
  if (options.types && options.types.length > 0) {
    where.push(`type IN (${options.types.map(() => '?').join(', ')})`);
    params.push(...options.types);
  }
  const [row] = await select<{ p: unknown }>(
    dataSource,
    `SELECT position AS p FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY position DESC LIMIT 1 OFFSET ${n - 1}`,
    params,
  );
  return row ? Math.max(0, num(row.p)! - 1) : 0;
}
