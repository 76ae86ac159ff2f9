import { voice } from '@livekit/agents';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { attachConversationLog } from '../../src/plugin/attach.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { FailingLLM } from '../support/livekit/failing-llm.js';
import { WeatherAgent, weatherLLM, withTimeout } from '../support/livekit/session.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

const rows = (ds: DataSource, sql: string) => ds.query(sql) as Promise<Array<Record<string, unknown>>>;

describeEachBackend('plugin on a real AgentSession (text)', (backend) => {
  let logger: ConversationLogger;
  beforeEach(async () => {
    logger = await openLogger(backend);
  });
  afterEach(async () => {
    await logger.close();
  });

  it('records a multi-turn call with a tool call in every projection', async () => {
    const session = new voice.AgentSession({ llm: weatherLLM() });
    const log = await attachConversationLog(session, undefined, { callId: 'call-text', room: 'room-text', sink: logger });
    await session.start({ agent: new WeatherAgent() });
    await withTimeout(session.run({ userInput: 'Hello there' }).wait(), 10_000);
    await withTimeout(session.run({ userInput: 'What is the weather in Paris?' }).wait(), 10_000);
    await withTimeout(session.run({ userInput: 'Thanks, bye' }).wait(), 10_000);
    await session.close();
    await log.flush();

    const ds = await logger.dataSource();
    const [call] = await rows(ds, `SELECT * FROM calls`);
    expect(call).toMatchObject({ id: 'call-text', livekit_room: 'room-text', status: 'completed', end_reason: 'user_initiated' });
    expect(call!['agents_version']).toBe('1.9.0');

    const [conversation] = await rows(ds, `SELECT * FROM conversations`);
    expect(conversation).toMatchObject({ id: log.conversationId, call_id: 'call-text' });
    expect(conversation!['ended_at']).not.toBeNull();

    const messages = await rows(ds, `SELECT role, content, tool_name, tool_arguments, tool_is_error, processing_time_ms
      FROM messages ORDER BY created_at, event_position`);
    expect(messages.map((m) => [m['role'], m['role'] === 'tool' ? m['tool_name'] : m['content']])).toEqual([
      ['user', 'Hello there'],
      ['assistant', 'Hi! How can I help you today?'],
      ['user', 'What is the weather in Paris?'],
      ['tool', 'get_weather'],
      ['user', 'Thanks, bye'],
      ['assistant', 'Goodbye, have a nice day!'],
    ]);
    const tool = messages.find((m) => m['role'] === 'tool')!;
    expect(JSON.parse(tool['tool_arguments'] as string)).toEqual({ city: 'Paris' });

    // Text input: no audio, so each assistant turn is the LLM time to first token (derived e2e).
    const turns = await rows(ds, `SELECT * FROM turns ORDER BY started_at`);
    expect(turns).toHaveLength(2);
    for (const t of turns) {
      expect(Number(t['llm_ttft_ms'])).toBeGreaterThanOrEqual(25);
      expect(Number(t['llm_ttft_ms'])).toBeLessThan(2000);
      expect(t['outcome']).toBe('completed');
    }

    const [metrics] = await rows(ds, `SELECT * FROM conversation_metrics`);
    expect(Number(metrics!['turns'])).toBe(2);
    expect(Number(metrics!['tool_calls'])).toBe(1);
    expect(Number(metrics!['llm_latency_count'])).toBeGreaterThanOrEqual(2);
    // FakeLLM reports no tokens and no model: no cost is claimed and no usage is left unpriced.
    expect(Number(metrics!['unpriced_usage_count'])).toBe(0);
    expect(Number(metrics!['llm_cost_usd'])).toBe(0);

    const kinds = await rows(ds, `SELECT DISTINCT type FROM events ORDER BY type`);
    expect(kinds.map((k) => k['type'])).toEqual([
      'call_ended',
      'call_started',
      'conversation_ended',
      'conversation_started',
      'message_added',
      'metrics_recorded',
      'session_event',
      'tool_executed',
      'turn_completed',
    ]);
    const names = await rows(ds, `SELECT DISTINCT data FROM events WHERE type = 'session_event'`);
    const sessionNames = new Set(names.map((n) => JSON.parse(n['data'] as string).name));
    expect(sessionNames).toContain('agent_state_changed');
    expect(sessionNames).toContain('speech_created');
    // No speech handle was serialised.
    const speech = names.map((n) => JSON.parse(n['data'] as string)).find((d) => d.name === 'speech_created');
    expect(Object.keys(speech.payload).sort()).toEqual(['source', 'speechId', 'userInitiated']);
  });

  it('marks the call failed when an LLM error closes the session', async () => {
    const session = new voice.AgentSession({ llm: new FailingLLM(), connOptions: { maxUnrecoverableErrors: 0 } });
    const closed = new Promise((r) => session.once(voice.AgentSessionEventTypes.Close, r));
    const log = await attachConversationLog(session, undefined, { callId: 'call-fail', sink: logger });
    await session.start({ agent: new WeatherAgent() });
    session.run({ userInput: 'Hello there' }).wait().catch(() => undefined);
    await withTimeout(closed, 15_000);
    await log.flush();

    const ds = await logger.dataSource();
    const [call] = await rows(ds, `SELECT status, end_reason, error FROM calls`);
    expect(call).toMatchObject({ status: 'failed', end_reason: 'error' });
    expect(String(call!['error'])).toContain('500');
    const errors = await rows(ds, `SELECT event_type, severity, component FROM system_events ORDER BY event_type`);
    expect(errors).toEqual(
      expect.arrayContaining([
        { event_type: 'call_failed', severity: 'ERROR', component: 'call' },
        { event_type: 'error', severity: 'ERROR', component: 'failing-llm' },
      ]),
    );
    const [m] = await rows(ds, `SELECT error_count FROM conversation_metrics`);
    expect(Number(m!['error_count'])).toBeGreaterThanOrEqual(1);
    const stats = await logger.getCallStatistics({ hours: 1 });
    expect(stats.calls).toMatchObject({ total: 1, failed: 1, successRate: 0 });
  });
});
