import { voice } from '@livekit/agents';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { attachConversationLog } from '../../src/plugin/attach.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { FailingLLM } from '../support/livekit/failing-llm.js';
import { WeatherAgent, weatherLLM, withTimeout } from '../support/livekit/session.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

type Row = Record<string, unknown>;
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

    const messages = await rows(
      ds,
      `SELECT role, content, tool_name, tool_arguments, tool_is_error, processing_time_ms
      FROM messages ORDER BY created_at, event_position`,
    );
    expect(messages.map((m) => [m['role'], m['role'] === 'tool' ? m['tool_name'] : m['content']])).toEqual([
      ['user', 'Hello there'],
      ['assistant', 'Hi! How can I help you today?'],
      ['user', 'What is the weather in Paris?'],
      ['tool', 'get_weather'],
      ['assistant', 'It is sunny in Paris.'],
      ['user', 'Thanks, bye'],
      ['assistant', 'Goodbye, have a nice day!'],
    ]);
    const tool = messages.find((m) => m['role'] === 'tool')!;
    expect(JSON.parse(tool['tool_arguments'] as string)).toEqual({ city: 'Paris' });

    // Text input: no audio, so each assistant turn is the LLM time to first token (derived e2e).
    const turns = await rows(ds, `SELECT * FROM turns ORDER BY started_at`);
    expect(turns).toHaveLength(3);
    for (const t of turns) {
      expect(Number(t['llm_ttft_ms'])).toBeGreaterThanOrEqual(25);
      expect(t['outcome']).toBe('completed');
    }

    const [metrics] = await rows(ds, `SELECT * FROM conversation_metrics`);
    expect(Number(metrics!['turns'])).toBe(3);
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
    session
      .run({ userInput: 'Hello there' })
      .wait()
      .catch(() => undefined);
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
    // The user's last words are in the record, as a turn the failure left unanswered.
    const msgs = await rows(ds, `SELECT role, content FROM messages`);
    expect(msgs).toEqual([{ role: 'user', content: 'Hello there' }]);
    const turns = await rows(ds, `SELECT outcome, assistant_message_id FROM turns`);
    expect(turns).toEqual([{ outcome: 'failed', assistant_message_id: null }]);
    const stats = await logger.getCallStatistics({ hours: 1 });
    expect(stats.calls).toMatchObject({ total: 1, failed: 1, successRate: 0 });
  });

  it('keeps concurrent sessions of one worker apart: each call holds only its own turns', async () => {
    const script = (tag: string) =>
      new voice.testing.FakeLLM([
        { input: `hello from ${tag}`, content: `hi ${tag}`, ttft: 15 },
        { input: `bye from ${tag}`, content: `bye ${tag}`, ttft: 10 },
      ]);
    const tags = ['a', 'b', 'c', 'd'];
    await Promise.all(
      tags.map(async (tag) => {
        const session = new voice.AgentSession({ llm: script(tag) });
        await attachConversationLog(session, undefined, { callId: `call-${tag}`, room: `room-${tag}`, sink: logger });
        await session.start({ agent: new WeatherAgent() });
        await withTimeout(session.run({ userInput: `hello from ${tag}` }).wait(), 10_000);
        await withTimeout(session.run({ userInput: `bye from ${tag}` }).wait(), 10_000);
        await session.close();
      }),
    );
    await logger.flush();
    const ds = await logger.dataSource();
    for (const tag of tags) {
      const msgs = await ds.query(
        ds.options.type === 'postgres'
          ? 'SELECT content FROM messages WHERE call_id = $1 ORDER BY created_at, event_position'
          : 'SELECT content FROM messages WHERE call_id = ? ORDER BY created_at, event_position',
        [`call-${tag}`],
      );
      expect(msgs.map((m: Row) => m['content'])).toEqual([`hello from ${tag}`, `hi ${tag}`, `bye from ${tag}`, `bye ${tag}`]);
    }
    const calls = await rows(ds, `SELECT id, status, livekit_room FROM calls ORDER BY id`);
    expect(calls).toEqual(tags.map((t) => ({ id: `call-${t}`, status: 'completed', livekit_room: `room-${t}` })));
  });

  it('never stalls or breaks the session when the store cannot take events', async () => {
    // A sink whose database is gone: every write fails. The agent must not notice.
    const broken = {
      enqueue: () => {
        throw new Error('database unreachable');
      },
      append: () => Promise.reject(new Error('database unreachable')),
      flush: () => Promise.reject(new Error('database unreachable')),
    };
    const session = new voice.AgentSession({ llm: weatherLLM() });
    await attachConversationLog(session, undefined, { callId: 'call-broken', sink: broken });
    await session.start({ agent: new WeatherAgent() });
    const result = await withTimeout(session.run({ userInput: 'Hello there' }).wait(), 10_000);
    expect(result.events.some((e) => e.type === 'message' && e.item.textContent === 'Hi! How can I help you today?')).toBe(true);
    await session.close();
  });

  it('names the call from the job, reads the SIP caller, and ends and flushes it when the job shuts down', async () => {
    const shutdown: Array<() => Promise<void>> = [];
    const ctx = {
      job: { id: 'AJ_job42', room: { name: 'call-_+15551234567_x' }, agentName: 'front-desk' },
      room: {
        name: 'call-_+15551234567_x',
        remoteParticipants: new Map([
          ['sip_+15551234567', { identity: 'sip_+15551234567', attributes: { 'sip.phoneNumber': '+15551234567' } }],
        ]),
      },
      agent: { identity: 'agent-AJ_job42' },
      addShutdownCallback: (cb: () => Promise<void>) => void shutdown.push(cb),
    };
    const session = new voice.AgentSession({ llm: weatherLLM() });
    const log = await attachConversationLog(session, ctx, { sink: logger });
    await session.start({ agent: new WeatherAgent() });
    await withTimeout(session.run({ userInput: 'Hello there' }).wait(), 10_000);
    // The job is killed: LiveKit runs the shutdown callbacks; the session never emitted close.
    expect(shutdown).toHaveLength(1);
    await shutdown[0]!();

    const ds = await logger.dataSource();
    const [call] = await rows(ds, `SELECT * FROM calls`);
    expect(call).toMatchObject({
      id: 'AJ_job42',
      job_id: 'AJ_job42',
      livekit_room: 'call-_+15551234567_x',
      caller_number: '+15551234567',
      agent_id: 'agent-AJ_job42',
      agent_name: 'front-desk',
      status: 'completed',
      end_reason: 'job_shutdown',
    });
    expect(log.callId).toBe('AJ_job42');
    const msgs = await rows(ds, `SELECT content FROM messages ORDER BY created_at, event_position`);
    expect(msgs.map((m) => m['content'])).toEqual(['Hello there', 'Hi! How can I help you today?']);
    await session.close();
  });

  it('keeps the last turn of a session closed mid-answer: both messages, outcome session_closed, not an interruption', async () => {
    const story = 'Yes, I am here, and I will tell you a long story about it.';
    const session = new voice.AgentSession({
      llm: new voice.testing.FakeLLM([{ input: 'Are you there?', content: story, ttft: 50, duration: 5000 }]),
    });
    const log = await attachConversationLog(session, undefined, { callId: 'call-closed', sink: logger });
    await session.start({ agent: new WeatherAgent() });
    session
      .run({ userInput: 'Are you there?' })
      .wait()
      .catch(() => undefined);
    const speaking = new Promise((r) =>
      session.on(voice.AgentSessionEventTypes.AgentStateChanged, (e) => e.newState === 'speaking' && r(e)),
    );
    await withTimeout(speaking, 10_000);
    await session.close(); // the caller hung up while the agent was answering
    await log.flush();

    const ds = await logger.dataSource();
    const msgs = await rows(ds, `SELECT role, content, interrupted FROM messages ORDER BY created_at, event_position`);
    expect(msgs.map((m) => m['role'])).toEqual(['user', 'assistant']);
    expect(msgs[0]!['content']).toBe('Are you there?');
    // What the agent had said when the session closed, no more.
    const said = msgs[1]!['content'] as string;
    expect(said.length).toBeGreaterThan(0);
    expect(story.startsWith(said)).toBe(true);
    const turns = await rows(ds, `SELECT outcome, user_message_id IS NOT NULL AS has_user FROM turns`);
    expect(turns.map((t) => [t['outcome'], Boolean(Number(t['has_user']) || t['has_user'] === true)])).toEqual([['session_closed', true]]);
    const [m] = await rows(ds, `SELECT interruptions, turns FROM conversation_metrics`);
    expect(Number(m!['interruptions'])).toBe(0);
    expect(Number(m!['turns'])).toBe(1);
  });
});
