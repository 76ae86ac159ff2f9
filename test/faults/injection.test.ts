import { expect, it } from 'vitest';
import { getCallDetail } from '../../src/queries/call-detail.js';
import { listCalls } from '../../src/queries/call-list.js';
import { readLogAfter } from '../../src/queries/log-after.js';
import { callsBy, costByModelAndDay, toolCallStats } from '../../src/queries/analytics.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

const INJECTIONS = [
  "'; DROP TABLE calls; --",
  "x' OR '1'='1",
  'x" OR "1"="1',
  "1; DELETE FROM events WHERE '1'='1",
  "\\'; SELECT pg_sleep(5); --",
  '%_%',
  "$1'); DROP TABLE messages; --",
];

describeEachBackend('SQL injection', (backend) => {
  it('is stored and matched verbatim by every writer and query helper, never executed', async () => {
    const logger = await openLogger(backend);
    const ds = await logger.dataSource();
    // Every table the API writes is still there and holds its rows (turns come only from the plugin).
    const tables = ['calls', 'conversations', 'messages', 'events', 'system_events', 'conversation_metrics'];
    for (const s of INJECTIONS) {
      const callId = await logger.startCall({ callId: `call ${s}`, callerNumber: s, livekitRoom: `room ${s}`, metadata: { [s]: s } });
      const conversationId = await logger.startConversation({ callId, aiModel: s, systemPrompt: s });
      await logger.logUserMessage({ conversationId, content: s });
      await logger.logAssistantMessage({ conversationId, content: s, llmModel: s, processingTimeMs: 500 });
      await logger.logEvent({ eventType: s, severity: 'ERROR', message: s, component: s, callId, conversationId, metadata: { s } });
      await logger.endConversation({ conversationId, summary: s });
      await logger.endCall(callId, { status: 'completed', reason: s });

      const history = await logger.getConversationHistory({ conversationId, limit: 10 });
      expect(history.map((m) => m.content)).toEqual([s, s]);
      const detail = await getCallDetail(ds, callId);
      expect(detail?.call).toMatchObject({ id: callId, livekitRoom: `room ${s}`, callerNumber: s, endReason: s });
      expect((await listCalls(ds, { room: s })).rows.map((r) => r.id)).toEqual([callId]);
      expect((await readLogAfter(ds, 0, { callId })).length).toBeGreaterThan(5);
    }
    // Helpers given injection strings where they take text: no match, nothing run.
    for (const s of INJECTIONS) {
      expect(await getCallDetail(ds, s)).toBeNull();
      expect((await listCalls(ds, { room: `${s} nothing like this` })).total).toBe(0);
      expect(await readLogAfter(ds, 0, { callId: s })).toEqual([]);
      await expect(logger.getConversationHistory({ conversationId: s, limit: 5 })).rejects.toMatchObject({ code: 'UNKNOWN_CONVERSATION' });
    }
    expect((await costByModelAndDay(ds, { hours: 1 })).map((r) => r.model).sort()).toEqual([...INJECTIONS].sort());
    expect(await toolCallStats(ds)).toEqual([]);
    expect((await callsBy(ds, 'room', { hours: 1 })).length).toBe(INJECTIONS.length);
    for (const t of tables) {
      const [{ n }] = await ds.query(`SELECT COUNT(*) AS n FROM ${t}`);
      expect(Number(n), t).toBeGreaterThan(0);
    }
    const [{ n }] = await ds.query('SELECT COUNT(*) AS n FROM calls');
    expect(Number(n)).toBe(INJECTIONS.length);
    await logger.close();
  });
});
