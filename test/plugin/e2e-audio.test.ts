import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { attachConversationLog } from '../../src/plugin/attach.js';
import { DEFAULT_PRICING, costOf } from '../../src/plugin/pricing.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { AUDIO_CALL, audioSession } from '../support/livekit/audio-call.js';
import { withTimeout } from '../support/livekit/session.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

type Row = Record<string, unknown>;
const rows = (ds: DataSource, sql: string) => ds.query(sql) as Promise<Row[]>;
const n = (v: unknown) => Number(v);
const close = (actual: unknown, expected: number, digits = 9) => expect(n(actual)).toBeCloseTo(expected, digits);

// A turn may not be faster than what the script makes each stage wait (timers never fire early by
// more than a millisecond). No upper bound: how much slower a loaded machine is says nothing of the code.
const SLA_MS = 600; // the tool turn needs EOU 100 + two LLM rounds of 200 + TTS 120 = 620 ms at least

const llmCost = (u: (typeof AUDIO_CALL.replies)[number]['usage']) =>
  costOf(DEFAULT_PRICING, {
    kind: 'llm',
    provider: 'openai',
    model: 'gpt-4o-mini',
    tokensInput: u.promptTokens,
    tokensCachedInput: u.promptCachedTokens,
    tokensOutput: u.completionTokens,
  })!;

describeEachBackend('plugin on a real AgentSession (audio: STT, TTS, turn detection, interruption)', (backend) => {
  let logger: ConversationLogger;
  let ds: DataSource;
  beforeAll(async () => {
    logger = await openLogger(backend);
    const { session, input, agent, finished } = audioSession();
    const log = await attachConversationLog(session, undefined, {
      callId: 'call-audio',
      room: 'room-audio',
      sink: logger,
      slaThresholdMs: SLA_MS,
    });
    await session.start({ agent });
    input.start();
    await withTimeout(finished, 20_000);
    input.stop();
    await session.close();
    await log.flush();
    ds = await logger.dataSource();
  }, 30_000);
  afterAll(async () => {
    await logger.close();
  });

  it('records the transcript in speaking order, with STT confidence, the interruption and the tool call', async () => {
    const [call] = await rows(ds, `SELECT * FROM calls`);
    expect(call).toMatchObject({ id: 'call-audio', livekit_room: 'room-audio', status: 'completed', end_reason: 'user_initiated' });

    const messages = await rows(
      ds,
      `SELECT role, content, stt_confidence, interrupted, language, tool_name, tool_arguments, tool_is_error
      FROM messages ORDER BY created_at, event_position`,
    );
    const [u1, u2, u3] = AUDIO_CALL.utterances;
    expect(messages.map((m) => [m['role'], m['role'] === 'tool' ? m['tool_name'] : m['content']])).toEqual([
      ['user', u1!.transcript],
      ['assistant', expect.any(String)],
      ['user', u2!.transcript],
      ['tool', 'get_weather'],
      ['assistant', 'It is sunny in Paris.'],
      ['user', u3!.transcript],
      ['assistant', 'Goodbye!'],
    ]);
    // The user spoke over the first answer: it is recorded (as the library forwarded it, with no
    // synchronised text output: the whole text) and marked interrupted.
    const cut = messages[1]!;
    expect(n(cut['interrupted'])).toBe(1);
    expect((cut['content'] as string).length).toBeGreaterThan(0);
    expect(AUDIO_CALL.longReply.startsWith(cut['content'] as string)).toBe(true);
    expect(messages.filter((m) => m['role'] === 'assistant' && n(m['interrupted']) === 1)).toHaveLength(1);

    const users = messages.filter((m) => m['role'] === 'user');
    expect(users.map((m) => n(m['stt_confidence']))).toEqual(AUDIO_CALL.utterances.map((u) => u.confidence));
    expect(users.every((m) => m['language'] === 'en')).toBe(true);
    const tool = messages.find((m) => m['role'] === 'tool')!;
    expect(JSON.parse(tool['tool_arguments'] as string)).toEqual({ city: 'Paris' });
    expect(n(tool['tool_is_error'])).toBe(0);
  });

  it('breaks each turn into an additive latency waterfall measured by the library itself', async () => {
    const turns = await rows(ds, `SELECT * FROM turns ORDER BY started_at`);
    expect(turns.map((t) => t['outcome'])).toEqual(['interrupted', 'completed', 'completed']);
    const llmRounds = [1, 2, 1];
    turns.forEach((t, i) => {
      expect(n(t['e2e_derived'])).toBe(0); // measured: agent started speaking − user stopped speaking
      expect(n(t['end_of_turn_delay_ms'])).toBeGreaterThanOrEqual(AUDIO_CALL.minEndpointingDelayMs - 1);
      expect(n(t['transcription_delay_ms'])).toBeGreaterThanOrEqual(AUDIO_CALL.utterances[i]!.sttDelayMs - 1);
      expect(n(t['llm_ttft_ms'])).toBeGreaterThanOrEqual(AUDIO_CALL.replies[0]!.ttftMs - 1);
      expect(n(t['tts_ttfb_ms'])).toBeGreaterThanOrEqual(AUDIO_CALL.ttsTtfbMs - 1);
      // Additive: the parts plus what no stage accounts for make up the measured end to end.
      const parts = ['end_of_turn_delay_ms', 'on_user_turn_completed_delay_ms', 'llm_ttft_ms', 'tts_ttfb_ms', 'playback_latency_ms'].reduce(
        (sum, k) => sum + n(t[k] ?? 0),
        0,
      );
      close(n(t['unattributed_ms']) + parts, n(t['e2e_latency_ms']), 6);
      const floor = AUDIO_CALL.minEndpointingDelayMs + llmRounds[i]! * AUDIO_CALL.replies[0]!.ttftMs + AUDIO_CALL.ttsTtfbMs;
      expect(n(t['e2e_latency_ms'])).toBeGreaterThanOrEqual(floor - 3);
      expect(n(t['sla_violation'])).toBe(n(t['e2e_latency_ms']) > SLA_MS ? 1 : 0);
    });
    // The tool round (LLM call + tool) is in no stage of its own: it shows as unattributed time.
    expect(n(turns[1]!['unattributed_ms'])).toBeGreaterThanOrEqual(AUDIO_CALL.replies[1]!.ttftMs - 5);
    expect(n(turns[1]!['sla_violation'])).toBe(1);

    // Each assistant message carries its turn's end-to-end latency as its processing time.
    const assistants = await rows(ds, `SELECT processing_time_ms FROM messages WHERE role = 'assistant' ORDER BY created_at`);
    expect(assistants.map((m) => n(m['processing_time_ms']))).toEqual(turns.map((t) => n(t['e2e_latency_ms'])));

    const [m] = await rows(ds, `SELECT * FROM conversation_metrics`);
    const e2e = turns.map((t) => n(t['e2e_latency_ms']));
    expect(n(m!['turns'])).toBe(3);
    close(m!['response_time_avg_ms'], e2e.reduce((a, b) => a + b, 0) / 3, 6);
    close(m!['response_time_max_ms'], Math.max(...e2e), 6);
    expect(n(m!['sla_violations'])).toBe(e2e.filter((v) => v > SLA_MS).length);
    expect(n(m!['interruptions'])).toBe(1);
    expect(n(m!['tool_calls'])).toBe(1);
    expect(n(m!['eou_delay_count'])).toBe(3);
    close(m!['stt_confidence_avg'], AUDIO_CALL.utterances.reduce((a, u) => a + u.confidence, 0) / 3, 9);

    const sla = await rows(ds, `SELECT event_type, severity, call_id FROM system_events WHERE event_type = 'sla_violation'`);
    expect(sla).toHaveLength(e2e.filter((v) => v > SLA_MS).length);
  });

  it('prices every component: LLM tokens per reply, STT audio minutes, TTS characters', async () => {
    const [m] = await rows(ds, `SELECT * FROM conversation_metrics`);
    const replies = AUDIO_CALL.replies;
    expect(n(m!['llm_tokens_input'])).toBe(replies.reduce((a, r) => a + r.usage.promptTokens, 0));
    expect(n(m!['llm_tokens_output'])).toBe(replies.reduce((a, r) => a + r.usage.completionTokens, 0));
    const llm = replies.reduce((a, r) => a + llmCost(r.usage), 0);
    close(m!['llm_cost_usd'], llm, 12);

    const audioMs = AUDIO_CALL.utterances.reduce((a, u) => a + (u.endMs - u.startMs), 0);
    const stt = (audioMs / 60_000) * DEFAULT_PRICING.stt['nova-3']!.perMinute;
    close(m!['stt_cost_usd'], stt, 12);

    // The interrupted answer was synthesised whole before the user cut in: its characters are paid for.
    const chars = AUDIO_CALL.longReply.length + 'It is sunny in Paris.'.length + 'Goodbye!'.length;
    const tts = (chars * DEFAULT_PRICING.tts['sonic-2']!.perMChars) / 1e6;
    close(m!['tts_cost_usd'], tts, 12);
    close(m!['total_cost_usd'], llm + stt + tts, 12);
    expect(n(m!['unpriced_usage_count'])).toBe(0);

    // Each answer is charged with the LLM calls of its speech (the tool turn made two).
    const assistants = await rows(
      ds,
      `SELECT llm_model, llm_tokens_input, llm_tokens_output, llm_cost_usd
      FROM messages WHERE role = 'assistant' ORDER BY created_at`,
    );
    const perReply = [[replies[0]!], [replies[1]!, replies[2]!], [replies[3]!]];
    assistants.forEach((a, i) => {
      const calls = perReply[i]!;
      expect(a['llm_model']).toBe('gpt-4o-mini');
      expect(n(a['llm_tokens_input'])).toBe(calls.reduce((s, r) => s + r.usage.promptTokens, 0));
      expect(n(a['llm_tokens_output'])).toBe(calls.reduce((s, r) => s + r.usage.completionTokens, 0));
      close(
        a['llm_cost_usd'],
        calls.reduce((s, r) => s + llmCost(r.usage), 0),
        12,
      );
    });

    // Every cost in the log names the price table it came from.
    const metrics = await rows(ds, `SELECT data FROM events WHERE type = 'metrics_recorded'`);
    const kinds = new Map<string, number>();
    for (const r of metrics) {
      const d = JSON.parse(r['data'] as string) as { kind: string; costUsd: number | null; priceVersion: string | null };
      kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
      if (d.costUsd !== null) expect(d.priceVersion).toBe(DEFAULT_PRICING.version);
    }
    expect(kinds.get('stt')).toBe(3);
    expect(kinds.get('eou')).toBe(3);
    expect(kinds.get('llm')).toBe(4);
    expect(kinds.get('tts')).toBe(3);
  });
});
