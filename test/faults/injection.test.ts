import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { run } from '../../src/cli/run.js';
import { createContext } from '../../src/cli/context.js';
import { isConversationLogError } from '../../src/errors.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import {
  callsBy,
  costByDay,
  costByModelAndDay,
  interruptionRate,
  latencyPercentiles,
  responseLatencyHistogram,
  toolCallStats,
} from '../../src/queries/analytics.js';
import { getCallDetail } from '../../src/queries/call-detail.js';
import { getCallListRow, listCalls } from '../../src/queries/call-list.js';
import { cleanupOldData } from '../../src/store/cleanup.js';
import { getConversationHistory } from '../../src/queries/history.js';
import { latestLogPosition, LogFollower, readLogAfter, readLogTail } from '../../src/queries/log-after.js';
import { getCallStatistics } from '../../src/queries/statistics.js';
import { getTimeSeries } from '../../src/queries/time-series.js';
import { describeEachBackend, freshDatabaseUrl, openLogger } from '../support/stores.js';

const INJECTIONS = [
  "'; DROP TABLE calls; --",
  "x' OR '1'='1",
  'x" OR "1"="1',
  "1; DELETE FROM events WHERE '1'='1",
  "\\'; SELECT pg_sleep(5); --",
  '%_%',
  "$1'); DROP TABLE messages; --",
  '0 OR 1=1',
  '1) UNION SELECT * FROM calls --',
];
const TABLES = ['calls', 'conversations', 'messages', 'turns', 'events', 'system_events', 'conversation_metrics'];

/** Rows per table and the log's last position: equal before and after means nothing was changed. */
async function fingerprint(ds: DataSource): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = Number((await ds.query(`SELECT COUNT(*) AS n FROM ${t}`))[0].n);
  out['lastPosition'] = await latestLogPosition(ds);
  return out;
}

/** What a call came to: its value, or the error it threw (sync or async). */
async function outcome(fn: () => unknown): Promise<{ value?: unknown; error?: unknown }> {
  try {
    return { value: await fn() };
  } catch (error) {
    return { error };
  }
}

describeEachBackend('SQL injection', (backend) => {
  let logger: ConversationLogger;
  let ds: DataSource;
  let url: string;
  const conversationIds: string[] = [];

  beforeAll(async () => {
    url = await freshDatabaseUrl(backend);
    logger = await openLogger(backend, { databaseUrl: url });
    ds = await logger.dataSource();
    for (const s of INJECTIONS) {
      const callId = await logger.startCall({ callId: `call ${s}`, callerNumber: s, livekitRoom: `room ${s}`, metadata: { [s]: s } });
      const conversationId = await logger.startConversation({ callId, aiModel: s, systemPrompt: s });
      conversationIds.push(conversationId);
      await logger.logUserMessage({ conversationId, content: s });
      await logger.logAssistantMessage({ conversationId, content: s, llmModel: s, processingTimeMs: 500 });
      await logger.logToolCall({ conversationId, name: s, arguments: s, output: s });
      await logger.logEvent({ eventType: s, severity: 'ERROR', message: s, component: s, callId, conversationId, metadata: { s } });
      await logger.endConversation({ conversationId, summary: s });
      await logger.endCall(callId, { status: 'completed', reason: s });
    }
  });
  afterAll(() => logger?.close());

  it('is stored and matched verbatim by every writer and query helper, never executed', async () => {
    for (const [i, s] of INJECTIONS.entries()) {
      const callId = `call ${s}`;
      const history = await logger.getConversationHistory({ conversationId: conversationIds[i]!, limit: 10 });
      expect(history.map((m) => m.content)).toEqual([s, s, s]);
      const detail = await getCallDetail(ds, callId);
      expect(detail?.call).toMatchObject({ id: callId, livekitRoom: `room ${s}`, callerNumber: s, endReason: s });
      expect((await listCalls(ds, { room: s })).rows.map((r) => r.id)).toEqual([callId]);
      expect((await getCallListRow(ds, callId))?.id).toBe(callId);
      expect((await readLogAfter(ds, 0, { callId })).length).toBe(8);
      const [meta] = await ds.query(
        backend === 'postgres' ? 'SELECT metadata FROM calls WHERE id = $1' : 'SELECT metadata FROM calls WHERE id = ?',
        [callId],
      );
      expect(typeof meta.metadata === 'string' ? JSON.parse(meta.metadata) : meta.metadata).toEqual({ [s]: s });
    }
    // Text parameters given injection strings: no match, nothing run.
    for (const s of INJECTIONS) {
      expect(await getCallDetail(ds, s)).toBeNull();
      expect(await getCallListRow(ds, s)).toBeNull();
      expect((await listCalls(ds, { room: `${s} nothing like this` })).total).toBe(0);
      expect(await readLogAfter(ds, 0, { callId: s })).toEqual([]);
      expect(await new LogFollower(ds, 0, { callId: s }).poll()).toEqual([]);
      await expect(logger.getConversationHistory({ conversationId: s, limit: 5 })).rejects.toMatchObject({ code: 'UNKNOWN_CONVERSATION' });
    }
    expect((await costByModelAndDay(ds, { hours: 1 })).map((r) => r.model).sort()).toEqual([...INJECTIONS].sort());
    expect((await toolCallStats(ds)).map((r) => r.name).sort()).toEqual([...INJECTIONS].sort());
    expect((await callsBy(ds, 'room', { hours: 1 })).map((r) => r.key).sort()).toEqual(INJECTIONS.map((s) => `room ${s}`).sort());
    expect((await callsBy(ds, 'model', { hours: 1 })).map((r) => r.key).sort()).toEqual([...INJECTIONS].sort());
    const fp = await fingerprint(ds);
    expect(fp['calls']).toBe(INJECTIONS.length);
    expect(fp['messages']).toBe(3 * INJECTIONS.length);
  });

  it('hostile values in the number and choice parameters of every query helper: a typed error, nothing run, nothing changed', async () => {
    const before = await fingerprint(ds);
    const realCall = `call ${INJECTIONS[0]}`;
    const d = backend;
    const typed: Array<[string, (s: never) => unknown]> = [
      ['getCallStatistics(hours)', (s) => getCallStatistics(ds, s)],
      ['getCallStatistics(now)', (s) => getCallStatistics(ds, 24, s)],
      ['cleanupOldData(retentionDays)', (s) => cleanupOldData(ds, d, { retentionDays: s })],
      ['cleanupOldData(now)', (s) => cleanupOldData(ds, d, { retentionDays: 1, now: s })],
      ['cleanupOldData(batchCalls)', (s) => cleanupOldData(ds, d, { retentionDays: 1, batchCalls: s })],
      ['getTimeSeries(from)', (s) => getTimeSeries(ds, { from: s, to: Date.now() })],
      ['getTimeSeries(to)', (s) => getTimeSeries(ds, { from: 0, to: s })],
      ['getTimeSeries(bucketMs)', (s) => getTimeSeries(ds, { from: Date.now() - 3_600_000, to: Date.now(), bucketMs: s })],
      ['listCalls(status)', (s) => listCalls(ds, { status: s })],
      ['listCalls(sort)', (s) => listCalls(ds, { sort: s })],
      ['listCalls(dir)', (s) => listCalls(ds, { dir: s })],
      ['listCalls(limit)', (s) => listCalls(ds, { limit: s })],
      ['listCalls(offset)', (s) => listCalls(ds, { offset: s })],
      ['listCalls(from)', (s) => listCalls(ds, { from: s })],
      ['listCalls(minCostUsd)', (s) => listCalls(ds, { minCostUsd: s })],
      ['getCallDetail(eventLimit)', (s) => getCallDetail(ds, realCall, { eventLimit: s })],
      ['getCallDetail(messageLimit)', (s) => getCallDetail(ds, realCall, { messageLimit: s })],
      ['readLogAfter(position)', (s) => readLogAfter(ds, s)],
      ['readLogAfter(limit)', (s) => readLogAfter(ds, 0, { limit: s })],
      ['readLogTail(count)', (s) => readLogTail(ds, s)],
      ['LogFollower(after)', (s) => new LogFollower(ds, s).poll()],
      ['LogFollower(lookback)', (s) => new LogFollower(ds, 0, { lookback: s }).poll()],
      ['getConversationHistory(limit)', (s) => getConversationHistory(ds, conversationIds[0]!, s)],
      ['latencyPercentiles(hours)', (s) => latencyPercentiles(ds, { hours: s })],
      ['latencyPercentiles(now)', (s) => latencyPercentiles(ds, { now: s })],
      ['responseLatencyHistogram(bucketMs)', (s) => responseLatencyHistogram(ds, { bucketMs: s })],
      ['responseLatencyHistogram(maxMs)', (s) => responseLatencyHistogram(ds, { maxMs: s })],
      ['costByModelAndDay(hours)', (s) => costByModelAndDay(ds, { hours: s })],
      ['costByDay(now)', (s) => costByDay(ds, { now: s })],
      ['interruptionRate(hours)', (s) => interruptionRate(ds, { hours: s })],
      ['toolCallStats(now)', (s) => toolCallStats(ds, { now: s })],
      ['callsBy(by)', (s) => callsBy(ds, s)],
    ];
    const refusedTyped = (r: { error?: unknown }) =>
      isConversationLogError(r.error) && (r.error as { code: string }).code === 'INVALID_ARGUMENT';
    const wrong: string[] = [];
    for (const [name, call] of typed) {
      // Not a number at all: refused with a typed error.
      for (const s of [...INJECTIONS, Number.NaN, Number.POSITIVE_INFINITY, { toString: () => INJECTIONS[0] }]) {
        const r = await outcome(() => call(s as never));
        if (!refusedTyped(r))
          wrong.push(
            `${name} ← ${typeof s === 'string' ? JSON.stringify(s) : String(s)}: ${r.error === undefined ? 'no error' : String(r.error)}`,
          );
      }
      // Numbers out of any sensible range or not whole: an answer or a typed error, never the database's error.
      for (const n of [-1e308, 1e308, -1, 1.5]) {
        const r = await outcome(() => call(n as never));
        if (r.error !== undefined && !refusedTyped(r)) wrong.push(`${name} ← ${n}: ${String(r.error)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await fingerprint(ds)).toEqual(before);
  });

  it('CLI arguments: matched as text or refused as usage, never run as SQL', async () => {
    const before = await fingerprint(ds);
    const config = path.join(inject('tmpDir'), 'empty.config.mjs');
    fs.writeFileSync(config, 'export default {};\n');
    const convlog = async (...argv: string[]) => {
      const ctx = createContext();
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      let err = '';
      stdout.on('data', (b: Buffer) => (out += b.toString()));
      stderr.on('data', (b: Buffer) => (err += b.toString()));
      Object.assign(ctx, { stdout, stderr });
      // `tail` runs until interrupted: it is interrupted at once, after one poll.
      Object.defineProperty(ctx, 'interrupted', { value: new Promise<void>((r) => setTimeout(r, 50)) });
      const code = await run([...argv, '--config', config, '--database-url', url], ctx);
      return { code, out, err };
    };
    for (const [i, s] of INJECTIONS.entries()) {
      for (const argv of [
        ['calls', '--status', s],
        ['calls', '--since', s],
        ['calls', '--limit', s],
        ['stats', '--hours', s],
        ['stats', '--by', s],
        ['tail', '--interval', s],
        ['export', '--format', s],
        ['export', '--format', 'jsonl', '--since', s],
        ['cleanup', '--retention-days', s],
      ]) {
        const r = await convlog(...argv);
        expect(r.code, `${argv.join(' ')}: ${r.err}`).toBe(2); // usage error, nothing run
      }
      // Commands that open the store take a few hundred ms each: three strings cover quoting, comments and LIKE wildcards.
      if (![0, 1, 5].includes(i)) continue;
      const shown = await convlog('show', `call ${s}`, '--json');
      expect(shown.code, shown.err).toBe(0);
      expect(JSON.parse(shown.out).call).toMatchObject({ id: `call ${s}`, callerNumber: s });
      expect((await convlog('show', s)).code).toBe(3); // not found
      const listed = await convlog('calls', '--room', s, '--json');
      expect(listed.code, listed.err).toBe(0);
      expect(JSON.parse(listed.out).rows.map((r: { id: string }) => r.id)).toEqual([`call ${s}`]);
      // tail --call takes an id or a unique prefix: a string that is neither is not found, as text.
      const tailed = await convlog('tail', '--call', s, '--json', '--interval', '10');
      expect(tailed.code, tailed.err).toBe(3);
      expect(tailed.out).toBe('');
      expect(tailed.err).toContain('no call');
    }
    expect(await fingerprint(ds)).toEqual(before);
  });
});
