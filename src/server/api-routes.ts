import type { ServerResponse } from 'node:http';
import type { DataSource } from 'typeorm';
import { ANALYSIS_VERDICTS } from '../events/types.js';
import { callsBy, interruptionRate, latencyPercentiles, toolCallStats } from '../queries/analytics.js';
import { getAnalysisStatistics } from '../queries/call-analysis.js';
import { getCallDetail } from '../queries/call-detail.js';
import { diffReleases, type DiffOptions } from '../queries/diff.js';
import { CALL_SORT_KEYS, isStale, listCalls, type CallListFilter } from '../queries/call-list.js';
import { latestLogPosition, readLogAfter, readLogTail } from '../queries/log-after.js';
import { SEARCH_ROLES, searchMessages } from '../queries/search.js';
import { MAX_QUERY_LENGTH } from '../queries/search-query.js';
import { dialectOf, select } from '../queries/sql.js';
import { getCallStatistics } from '../queries/statistics.js';
import { getTimeSeries, pickBucketMs } from '../queries/time-series.js';
import { slowestTurns } from '../queries/worst-turn.js';
import { HttpError, QueryParams, sendJson } from './http-util.js';

/** Named time ranges of the overview, in ms. */
export const RANGES: Record<string, number> = {
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 24 * 3_600_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};

const STATUSES = ['active', 'completed', 'failed', 'abandoned'] as const;

/** `GET /api/overview?range=24h` or `?from=…&to=…` (ms UTC): statistics and chart series for the range. */
export async function overview(ds: DataSource, q: QueryParams, res: ServerResponse, now = Date.now()): Promise<void> {
  const range = q.oneOf('range', Object.keys(RANGES));
  let to = q.int('to', 0, 8.64e15) ?? now;
  let from = q.int('from', 0, 8.64e15);
  if (from === undefined) {
    // A named range starts on a bucket boundary (a whole hour for 24 h), so the axis reads 09:00, 10:00, …
    const span = RANGES[range ?? '24h'] ?? RANGES['24h']!;
    const bucket = pickBucketMs(span);
    from = Math.floor((to - span) / bucket) * bucket;
  }
  if (to <= from) throw new HttpError(400, 'to must be after from.');
  to = Math.ceil(to);
  const series = await getTimeSeries(ds, { from, to });
  const statistics = await getCallStatistics(ds, (to - from) / 3_600_000, to);
  // Active now is a count of the present, whatever the range: a call started 30 h ago and still running counts at 24 h.
  const active = await listCalls(ds, { status: 'active', limit: 500 });
  const stale = active.rows.filter((r) => isStale(r, now)).length;
  const window = { hours: (to - from) / 3_600_000, now: to };
  const [latency, slowest, endReasons, byAgent, byModel, byRelease, tools, interruptions, everRecorded, analysis] = await Promise.all([
    latencyPercentiles(ds, window),
    slowestTurns(ds, from, 10),
    callsBy(ds, 'endReason', window),
    callsBy(ds, 'agent', window),
    callsBy(ds, 'model', window),
    callsBy(ds, 'release', window),
    toolCallStats(ds, window),
    interruptionRate(ds, window),
    select<{ n: unknown }>(ds, 'SELECT COUNT(*) AS n FROM calls'),
    getAnalysisStatistics(ds, { from }),
  ]);
  sendJson(res, 200, {
    range: range ?? null,
    statistics,
    series,
    activeNow: { calls: active.total, stale },
    latency,
    slowestTurns: slowest,
    endReasons,
    byAgent,
    byModel,
    byRelease,
    tools,
    interruptions,
    storeCalls: Number(everRecorded[0]?.n ?? 0),
    analysis,
  });
}

/** `GET /api/calls?status=&room=&release=&verdict=&tag=&minDurationMs=&minTurns=&minCostUsd=&minWorstLatencyMs=&from=&to=&sort=&dir=&limit=&offset=` */
export async function calls(ds: DataSource, q: QueryParams, res: ServerResponse): Promise<void> {
  const filter: CallListFilter = {};
  const set = <K extends keyof CallListFilter>(key: K, value: CallListFilter[K] | undefined) => {
    if (value !== undefined) filter[key] = value;
  };
  set('status', q.oneOf('status', STATUSES));
  set('room', q.string('room'));
  set('release', q.string('release'));
  set('verdict', q.oneOf('verdict', ANALYSIS_VERDICTS));
  set('tag', q.string('tag', 64));
  set('from', q.int('from', 0, 8.64e15));
  set('to', q.int('to', 0, 8.64e15));
  set('minDurationMs', q.number('minDurationMs', 0));
  set('maxDurationMs', q.number('maxDurationMs', 0));
  set('minTurns', q.int('minTurns', 0, 1e9));
  set('minCostUsd', q.number('minCostUsd', 0));
  set('minWorstLatencyMs', q.number('minWorstLatencyMs', 0));
  set('sort', q.oneOf('sort', CALL_SORT_KEYS));
  set('dir', q.oneOf('dir', ['asc', 'desc'] as const));
  set('limit', q.int('limit', 1, 500));
  set('offset', q.int('offset', 0, 1e12));
  sendJson(res, 200, await listCalls(ds, filter));
}

/** `GET /api/search?q=&role=&since=&until=&agent=&room=&release=&sort=newest|rank&limit=`: full-text search over messages. */
export async function search(ds: DataSource, q: QueryParams, res: ServerResponse): Promise<void> {
  const query = q.string('q', MAX_QUERY_LENGTH);
  if (query === undefined) throw new HttpError(400, 'q (the search query) is required.');
  const role = q.oneOf('role', SEARCH_ROLES);
  const since = q.int('since', 0, 8.64e15);
  const until = q.int('until', 0, 8.64e15);
  const agent = q.string('agent');
  const room = q.string('room');
  const release = q.string('release');
  const sort = q.oneOf('sort', ['newest', 'rank'] as const);
  const limit = q.int('limit', 1, 500);
  const result = await searchMessages(ds, {
    query,
    ...(role === undefined ? {} : { role }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(agent === undefined ? {} : { agent }),
    ...(room === undefined ? {} : { room }),
    ...(release === undefined ? {} : { release }),
    ...(sort === undefined ? {} : { sort }),
    ...(limit === undefined ? {} : { limit }),
  });
  sendJson(res, 200, result);
}

/**
 * `GET /api/diff?base=&head=&by=release|instructions|model&since=&agent=&thresholdPct=`: what
 * `convlog diff` compares, as {@link diffReleases} returns it; without `base`/`head`, only the
 * releases of the last 30 days (`releases`: key and calls) to choose from.
 */
export async function diff(ds: DataSource, q: QueryParams, res: ServerResponse, now = Date.now()): Promise<void> {
  const releases = (await callsBy(ds, 'release', { hours: 30 * 24, now })).map((g) => ({ key: g.key, calls: g.calls }));
  const base = q.string('base');
  const head = q.string('head');
  if (base === undefined || head === undefined) {
    sendJson(res, 200, { releases, result: null });
    return;
  }
  const by = q.oneOf('by', ['release', 'instructions', 'model'] as const);
  const since = q.int('since', 0, 8.64e15);
  const agent = q.string('agent');
  const thresholdPct = q.int('thresholdPct', 0, 1000);
  const options: DiffOptions = {
    base,
    head,
    ...(by === undefined ? {} : { by }),
    ...(since === undefined ? {} : { since }),
    ...(agent === undefined ? {} : { agent }),
    ...(thresholdPct === undefined ? {} : { thresholdPct }),
  };
  sendJson(res, 200, { releases, result: await diffReleases(ds, options) });
}

/** `GET /api/calls/:id`: everything about one call, or 404. */
export async function call(ds: DataSource, callId: string, res: ServerResponse): Promise<void> {
  const detail = await getCallDetail(ds, callId);
  if (detail === null) throw new HttpError(404, 'No such call.');
  sendJson(res, 200, detail);
}

/** `GET /api/events?after=N&limit=` (events after a position) or `?tail=N` (the newest N). */
export async function events(ds: DataSource, q: QueryParams, res: ServerResponse): Promise<void> {
  const tail = q.int('tail', 1, 1000);
  const callId = q.string('call');
  const list =
    tail !== undefined
      ? await readLogTail(ds, tail)
      : await readLogAfter(ds, q.int('after', 0, Number.MAX_SAFE_INTEGER) ?? 0, {
          limit: q.int('limit', 1, 5000) ?? 500,
          ...(callId === undefined ? {} : { callId }),
        });
  sendJson(res, 200, { position: await latestLogPosition(ds), events: list });
}

/** `GET /api/health`: the store's dialect and newest log position. */
export async function health(ds: DataSource, res: ServerResponse): Promise<void> {
  sendJson(res, 200, { ok: true, dialect: dialectOf(ds), position: await latestLogPosition(ds) });
}
