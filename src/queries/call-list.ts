import type { DataSource } from 'typeorm';
import { ANALYSIS_VERDICTS, type AnalysisVerdict, type CallOutcome, type CallStatus } from '../events/types.js';
import { invalidArgument } from '../errors.js';
import { MAX_PLAUSIBLE_MS } from '../projections/rules.js';
import { getCallTags } from './call-analysis.js';
import { MAX_TIME_MS, num, select } from './sql.js';

/** Columns a call list can be sorted by. */
export const CALL_SORT_KEYS = ['started', 'duration', 'turns', 'cost', 'worstLatency', 'room', 'status'] as const;
export type CallSortKey = (typeof CALL_SORT_KEYS)[number];

/** Filters of {@link listCalls}; every field is optional and they combine with AND. */
export interface CallListFilter {
  status?: CallStatus;
  /** Case-insensitive substring of the LiveKit room name. */
  room?: string;
  /** Calls that started at or after this time (ms UTC). */
  from?: number;
  /** Calls that started before this time (ms UTC). */
  to?: number;
  minDurationMs?: number;
  maxDurationMs?: number;
  minTurns?: number;
  minCostUsd?: number;
  /** Calls whose slowest plausible response took at least this long (ms). */
  minWorstLatencyMs?: number;
  /** Calls of this release exactly (as `startCall({ release })` or the plugin stamped it). */
  release?: string;
  /** Calls whose post-call analysis gave this verdict. */
  verdict?: AnalysisVerdict;
  /** Calls the agent tagged with this tag exactly (`handle.tag()`). */
  tag?: string;
  sort?: CallSortKey;
  dir?: 'asc' | 'desc';
  /** Page size, 1–500 (default 50). */
  limit?: number;
  offset?: number;
}

/** One row of the call list. Times are ms UTC, durations ms, costs USD. */
export interface CallListRow {
  id: string;
  livekitRoom: string | null;
  callerNumber: string | null;
  agentName: string | null;
  status: CallStatus;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  endReason: string | null;
  /** Assistant turns over all conversations of the call. */
  turns: number;
  /** Priced usage (USD); see `unpricedUsage` for usage with no known price, which adds nothing here. */
  costUsd: number;
  /** Usage records (replies, metrics) with no known price: when > 0 the cost is incomplete, or unknown if `costUsd` is 0. */
  unpricedUsage: number;
  errors: number;
  slaViolations: number;
  interruptions: number;
  /** Slowest plausible end-to-end latency: from `turns` when the call has any, else the slowest response time. */
  worstLatencyMs: number | null;
  /** When the newest event of the call happened (ms UTC); an active call silent for long is stale ({@link isStale}). */
  lastEventAt: number | null;
  /** The agent's release the call ran, when it was recorded. */
  release: string | null;
  /** The post-call analysis's verdict, when the call was analysed. */
  verdict: AnalysisVerdict | null;
  /** The agent's own outcome (`handle.outcome()`), when it gave one. */
  outcome: CallOutcome | null;
  /** The agent's tags on the call, sorted. */
  tags: string[];
}

/** An active call with no event for longer than this (10 minutes) is stale: its process likely died without ending it. */
export const STALE_AFTER_MS = 10 * 60_000;

/** True for an active call whose newest event is older than {@link STALE_AFTER_MS} at `now`. */
export const isStale = (row: Pick<CallListRow, 'status' | 'lastEventAt' | 'startedAt'>, now: number): boolean =>
  row.status === 'active' && now - (row.lastEventAt ?? row.startedAt) > STALE_AFTER_MS;

export interface CallListPage {
  total: number;
  limit: number;
  offset: number;
  rows: CallListRow[];
  /** {@link STALE_AFTER_MS}, for readers (the dashboard) that mark stale calls themselves. */
  staleAfterMs: number;
}

const SORT_COLUMNS: Record<CallSortKey, string> = {
  started: 'started_at',
  duration: 'duration_ms',
  turns: 'turns',
  cost: 'cost_usd',
  worstLatency: 'worst_latency_ms',
  room: 'livekit_room',
  status: 'status',
};

/**
 * Calls with their per-call figures, as one derived table `x`: every call, or (`ids`: that many
 * `?` parameters, given three times over, see {@link idParams}) only the calls of those ids, whose
 * figures are then summed over their own rows alone.
 */
const base = (ids = 0): string => {
  const only = (column: string) => (ids === 0 ? '' : `${column} IN (${Array(ids).fill('?').join(', ')})`);
  return `SELECT c.id, c.livekit_room, c.caller_number,
    COALESCE(c.agent_name, (SELECT cv.agent_name FROM conversations cv WHERE cv.call_id = c.id AND cv.agent_name IS NOT NULL
      ORDER BY cv.started_at LIMIT 1)) AS agent_name,
    c.status, c.started_at, c.ended_at, c.duration_ms, c.end_reason, c.release, c.outcome, ca.verdict,
    COALESCE(m.turns, 0) AS turns, COALESCE(m.cost_usd, 0) AS cost_usd, COALESCE(m.unpriced, 0) AS unpriced_usage,
    COALESCE(m.errors, 0) AS errors,
    COALESCE(m.sla, 0) AS sla_violations, COALESCE(m.interruptions, 0) AS interruptions,
    COALESCE(w.worst, m.response_max) AS worst_latency_ms,
    (SELECT e.occurred_at FROM events e WHERE e.call_id = c.id ORDER BY e.stream_position DESC LIMIT 1) AS last_event_at
  FROM calls c
  LEFT JOIN call_analyses ca ON ca.call_id = c.id
  LEFT JOIN (SELECT call_id, SUM(turns) AS turns, SUM(total_cost_usd) AS cost_usd, SUM(unpriced_usage_count) AS unpriced,
      SUM(error_count) AS errors,
      SUM(sla_violations) AS sla, SUM(interruptions) AS interruptions, MAX(response_time_max_ms) AS response_max
    FROM conversation_metrics ${ids === 0 ? '' : `WHERE ${only('call_id')}`} GROUP BY call_id) m ON m.call_id = c.id
  LEFT JOIN (SELECT call_id, MAX(e2e_latency_ms) AS worst FROM turns
    WHERE implausible = FALSE AND e2e_latency_ms >= 0 AND e2e_latency_ms <= ${MAX_PLAUSIBLE_MS}${ids === 0 ? '' : ` AND ${only('call_id')}`}
    GROUP BY call_id) w ON w.call_id = c.id
  ${ids === 0 ? '' : `WHERE ${only('c.id')}`}`;
};

/** The parameters of `base(ids.length)`, in the order its placeholders appear. */
const idParams = (ids: readonly string[]): string[] => [...ids, ...ids, ...ids];

/** Every call with its per-call figures. */
const BASE = base();

/** The columns of calls a filter or sort can name without the per-call figures: a page is chosen from these first. */
const callsOnly = (verdict: boolean) =>
  `SELECT c.id, c.livekit_room, c.status, c.started_at, c.ended_at, c.duration_ms, c.release${verdict ? ', ca.verdict' : ''}
   FROM calls c${verdict ? ' LEFT JOIN call_analyses ca ON ca.call_id = c.id' : ''}`;

/** Filters and sorts that need the per-call figures (summed over turns and conversations). */
const FIGURE_FILTERS: ReadonlyArray<keyof CallListFilter> = ['minTurns', 'minCostUsd', 'minWorstLatencyMs'];
const FIGURE_SORTS: readonly CallSortKey[] = ['turns', 'cost', 'worstLatency'];

const finiteOrUndefined = (name: string, v: number | undefined): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidArgument(name, `must be a finite number, got ${String(v)}.`);
  return v;
};

/**
 * A page of calls with their turns, cost, errors and worst latency, filtered and sorted.
 *
 * @remarks
 * Sorting puts calls without a value (e.g. no duration yet) last in both directions; ties break
 * by call id, so pages are stable. `total` counts every call that matches the filter.
 *
 * @throws ConversationLogError `INVALID_ARGUMENT` for a bad filter value
 */
export async function listCalls(dataSource: DataSource, filter: CallListFilter = {}): Promise<CallListPage> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    where.push(clause);
    params.push(value);
  };
  if (filter.status !== undefined) {
    if (!['active', 'completed', 'failed', 'abandoned'].includes(filter.status))
      throw invalidArgument('status', `must be active, completed, failed or abandoned, got ${String(filter.status)}.`);
    add('status = ?', filter.status);
  }
  if (filter.release !== undefined) {
    if (typeof filter.release !== 'string' || filter.release === '' || filter.release.length > 255)
      throw invalidArgument('release', `must be a release name of 1–255 characters, got ${typeof filter.release}.`);
    add('release = ?', filter.release);
  }
  if (filter.verdict !== undefined) {
    if (!(ANALYSIS_VERDICTS as readonly string[]).includes(filter.verdict))
      throw invalidArgument('verdict', `must be pass, fail or unclear, got ${String(filter.verdict)}.`);
    add('verdict = ?', filter.verdict);
  }
  if (filter.tag !== undefined) {
    if (typeof filter.tag !== 'string' || filter.tag === '' || filter.tag.length > 64)
      throw invalidArgument('tag', `must be a tag of 1–64 characters, got ${typeof filter.tag}.`);
    add('id IN (SELECT call_id FROM call_tags WHERE tag = ?)', filter.tag);
  }
  if (filter.room !== undefined && filter.room !== '') {
    const escaped = filter.room.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
    add(`LOWER(livekit_room) LIKE ? ESCAPE '\\'`, `%${escaped}%`);
  }
  // Integer columns get integer bounds (PostgreSQL refuses 1.5 for a bigint): x >= 1.5 is x >= 2.
  const numeric: Array<[keyof CallListFilter, string, 'ceil' | 'floor' | null]> = [
    ['from', 'started_at >= ?', 'ceil'],
    ['to', 'started_at < ?', 'ceil'],
    ['minDurationMs', 'duration_ms >= ?', 'ceil'],
    ['maxDurationMs', 'duration_ms <= ?', 'floor'],
    ['minTurns', 'turns >= ?', 'ceil'],
    ['minCostUsd', 'cost_usd >= ?', null],
    ['minWorstLatencyMs', 'worst_latency_ms >= ?', null],
  ];
  for (const [key, clause, round] of numeric) {
    const v = finiteOrUndefined(key, filter[key] as number | undefined);
    if (v === undefined) continue;
    if (round !== null && Math.abs(v) > MAX_TIME_MS)
      throw invalidArgument(key, `must be between ${-MAX_TIME_MS} and ${MAX_TIME_MS}, got ${v}.`);
    add(clause, round === 'ceil' ? Math.ceil(v) : round === 'floor' ? Math.floor(v) : v);
  }
  const sort = filter.sort ?? 'started';
  const column = SORT_COLUMNS[sort];
  if (column === undefined) throw invalidArgument('sort', `must be one of ${CALL_SORT_KEYS.join(', ')}, got ${String(sort)}.`);
  const dir = filter.dir ?? 'desc';
  if (dir !== 'asc' && dir !== 'desc') throw invalidArgument('dir', `must be asc or desc, got ${String(dir)}.`);
  const limit = filter.limit ?? 50;
  const offset = filter.offset ?? 0;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 500)
    throw invalidArgument('limit', `must be a whole number in 1–500, got ${limit}.`);
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument('offset', `must be a whole number >= 0, got ${offset}.`);

  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  // Started is never null: ordered by the column alone, an index on it serves the page.
  const order = `${column === 'started_at' ? '' : `CASE WHEN ${column} IS NULL THEN 1 ELSE 0 END, `}${column} ${dir.toUpperCase()}, id`;
  // A page chosen from the calls alone when neither filter nor sort needs the per-call figures:
  // those are then summed for that page only, not for every call of the store.
  const figures = FIGURE_SORTS.includes(sort) || FIGURE_FILTERS.some((k) => filter[k] !== undefined);
  const from = figures ? BASE : callsOnly(filter.verdict !== undefined);
  const [count] = await select<{ n: unknown }>(dataSource, `SELECT COUNT(*) AS n FROM (${from}) x ${whereSql}`, params);
  let rows: Record<string, unknown>[];
  if (figures) {
    rows = await select<Record<string, unknown>>(
      dataSource,
      `SELECT * FROM (${BASE}) x ${whereSql} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`,
      params,
    );
  } else {
    const page = (
      await select<{ id: unknown }>(
        dataSource,
        `SELECT id FROM (${from}) x ${whereSql} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`,
        params,
      )
    ).map((r) => String(r.id));
    const byId = new Map(
      (page.length === 0 ? [] : await select<Record<string, unknown>>(dataSource, base(page.length), idParams(page))).map((r) => [
        String(r['id']),
        r,
      ]),
    );
    rows = page.map((id) => byId.get(id)).filter((r): r is Record<string, unknown> => r !== undefined);
  }
  const tags = await getCallTags(
    dataSource,
    rows.map((r) => String(r['id'])),
  );
  return {
    total: Number(count?.n ?? 0),
    limit,
    offset,
    rows: rows.map((r) => toCallListRow(r, tags.get(String(r['id'])))),
    staleAfterMs: STALE_AFTER_MS,
  };
}

export function toCallListRow(r: Record<string, unknown>, tags: string[] = []): CallListRow {
  return {
    id: String(r['id']),
    livekitRoom: (r['livekit_room'] as string | null) ?? null,
    callerNumber: (r['caller_number'] as string | null) ?? null,
    agentName: (r['agent_name'] as string | null) ?? null,
    status: r['status'] as CallStatus,
    startedAt: Number(r['started_at']),
    endedAt: num(r['ended_at']),
    durationMs: num(r['duration_ms']),
    endReason: (r['end_reason'] as string | null) ?? null,
    turns: Number(r['turns'] ?? 0),
    costUsd: Number(r['cost_usd'] ?? 0),
    unpricedUsage: Number(r['unpriced_usage'] ?? 0),
    errors: Number(r['errors'] ?? 0),
    slaViolations: Number(r['sla_violations'] ?? 0),
    interruptions: Number(r['interruptions'] ?? 0),
    worstLatencyMs: num(r['worst_latency_ms']),
    lastEventAt: num(r['last_event_at']),
    release: (r['release'] as string | null) ?? null,
    verdict: (r['verdict'] as AnalysisVerdict | null) ?? null,
    outcome: (r['outcome'] as CallOutcome | null) ?? null,
    tags,
  };
}

/** The list row of one call, or null when there is no such call. */
export async function getCallListRow(dataSource: DataSource, callId: string): Promise<CallListRow | null> {
  const [row] = await select<Record<string, unknown>>(dataSource, base(1), idParams([callId]));
  return row === undefined ? null : toCallListRow(row, (await getCallTags(dataSource, [callId])).get(callId));
}
