import { afterEach, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { rebuildProjections } from '../../src/store/rebuild.js';
import { describeEachBackend, freshDatabaseUrl, openLogger } from '../support/stores.js';

let loggers: ConversationLogger[] = [];
afterEach(async () => {
  await Promise.all(loggers.map((l) => l.close()));
  loggers = [];
});

const figures = async (ds: DataSource, conversationId: string) =>
  (await ds.query(
    `SELECT turns, response_time_count, response_time_avg_ms, response_time_max_ms, relevance_count, relevance_avg,
       satisfaction_count, satisfaction_avg FROM conversation_metrics WHERE conversation_id = $1`.replace(
      '$1',
      ds.options.type === 'postgres' ? '$1' : '?',
    ),
    [conversationId],
  )) as Array<Record<string, unknown>>;

describeEachBackend('one conversation written by two loggers', (backend) => {
  it("given figures one writer keeps between batches, when another connection adds to them, then neither loses the other's", async () => {
    const databaseUrl = await freshDatabaseUrl(backend);
    // The agent's logger (writer thread) and, say, an evaluation job's (its own connection).
    const agent = await openLogger(backend, { databaseUrl });
    const evaluator = await openLogger(backend, { databaseUrl, writerThread: 'inline' });
    loggers.push(agent, evaluator);
    await agent.startCall({ callId: 'shared' });
    const conversationId = await agent.startConversation({ callId: 'shared' });
    const answer = async (t: number) => {
      void agent.logUserMessage({ conversationId, content: `question ${t}` });
      void agent.logAssistantMessage({ conversationId, content: `answer ${t}`, processingTimeMs: 1000 + 100 * t });
      await agent.flush(); // a batch each: the figures carry over from batch to batch
    };
    for (let t = 0; t < 3; t++) await answer(t);
    await evaluator.recordQuality({ conversationId, relevanceScore: 4, satisfactionScore: 2 });
    for (let t = 3; t < 5; t++) await answer(t);
    await evaluator.recordQuality({ conversationId, relevanceScore: 2, satisfactionScore: 4 });
    await answer(5);

    const ds = await agent.dataSource();
    const live = await figures(ds, conversationId);
    expect(live.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)])))).toEqual([
      {
        turns: 6,
        response_time_count: 6,
        response_time_avg_ms: 1250,
        response_time_max_ms: 1500,
        relevance_count: 2,
        relevance_avg: 3,
        satisfaction_count: 2,
        satisfaction_avg: 3,
      },
    ]);
    // And the row is what a replay of the log gives.
    await rebuildProjections(ds, backend);
    expect(await figures(ds, conversationId)).toEqual(live);
  });
});

describeEachBackend('a remembered figures row changed by another connection', (backend) => {
  it('is not overwritten: the writer notices, reads the row again and adds to it', async () => {
    const databaseUrl = await freshDatabaseUrl(backend);
    const agent = await openLogger(backend, { databaseUrl });
    loggers.push(agent);
    await agent.startCall({ callId: 'kept' });
    const conversationId = await agent.startConversation({ callId: 'kept' });
    const answer = async (t: number) => {
      void agent.logAssistantMessage({ conversationId, content: `answer ${t}`, processingTimeMs: 1000 + 100 * t });
      await agent.flush(); // a batch each: the writer keeps the row between them
    };
    for (let t = 0; t < 3; t++) await answer(t);
    // Another connection (a backfill, an operator) changes the row the writer remembers, without
    // writing to the call's event stream.
    const other = await openLogger(backend, { databaseUrl, writerThread: 'inline' });
    loggers.push(other);
    const ds = await other.dataSource();
    const p = (n: number) => (backend === 'postgres' ? `$${n}` : '?');
    await ds.query(`UPDATE conversation_metrics SET relevance_count = 1, relevance_avg = 5 WHERE conversation_id = ${p(1)}`, [
      conversationId,
    ]);
    for (let t = 3; t < 5; t++) await answer(t);

    const [row] = (await figures(await agent.dataSource(), conversationId)).map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : Number(v)])),
    );
    // The agent's figures went on from the changed row: the other connection's change is kept.
    expect(row).toMatchObject({ turns: 5, response_time_count: 5, response_time_max_ms: 1400, relevance_count: 1, relevance_avg: 5 });
  });
});
