import { voice } from '@livekit/agents';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { otlpRequests, type OtlpSpan } from '../../src/export/otlp.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { attachConversationLog } from '../../src/plugin/attach.js';
import { getCallListRow } from '../../src/queries/call-list.js';
import { convlogInProcess as convlog } from '../support/cli-in-process.js';
import { AUDIO_CALL, audioSession } from '../support/livekit/audio-call.js';
import { withTimeout } from '../support/livekit/session.js';
import { describeEachBackend, freshDatabaseUrl, openLogger, type Backend } from '../support/stores.js';

type Row = Record<string, unknown>;
const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v ? Object.values(v)[0] : undefined;
};
const ns = (t: string) => BigInt(t);

describeEachBackend('a recorded audio call (STT, TTS, an interruption, a tool)', (backend: Backend) => {
  let logger: ConversationLogger;
  let url: string;
  let report: string;

  beforeAll(async () => {
    url = await freshDatabaseUrl(backend);
    logger = await openLogger(backend, { databaseUrl: url });
    const { session, input, agent, finished } = audioSession();
    const log = await attachConversationLog(session, undefined, { callId: 'call-audio', room: 'room-audio', sink: logger });
    await session.start({ agent });
    input.start();
    await withTimeout(finished, 20_000);
    input.stop();
    await session.close();
    await log.flush();
    report = path.join(inject('tmpDir'), `audio-report-${backend}.json`);
    const json = voice.sessionReportToJSON(
      voice.createSessionReport({
        jobId: 'AJ_audio',
        roomId: 'RM_audio',
        room: 'room-audio',
        options: session.sessionOptions,
        events: [],
        chatHistory: session.history.copy(),
        modelUsage: session.usage.modelUsage as NonNullable<Parameters<typeof voice.createSessionReport>[0]['modelUsage']>,
      }),
    );
    fs.writeFileSync(report, JSON.stringify(json));
  }, 40_000);
  afterAll(async () => {
    await logger?.close();
  });

  it('exports each LLM request and tool call inside its turn, and the cut-short turn as interrupted', async () => {
    const traces = [];
    for await (const t of otlpRequests(await logger.dataSource(), 0, { withContent: true })) traces.push(t);
    expect(traces.map((t) => t.callId)).toEqual(['call-audio']);
    const spans = traces[0]!.request.resourceSpans[0]!.scopeSpans[0]!.spans;
    const turns = spans.filter((s) => attr(s, 'gen_ai.operation.name') === 'invoke_agent');
    expect(turns).toHaveLength(3);
    const children = (t: OtlpSpan) => spans.filter((s) => s.parentSpanId === t.spanId);
    // One chat span per LLM request: the tool turn made two.
    expect(turns.map((t) => children(t).filter((s) => attr(s, 'gen_ai.operation.name') === 'chat').length)).toEqual([1, 2, 1]);
    expect(turns.map((t) => children(t).filter((s) => attr(s, 'gen_ai.operation.name') === 'execute_tool').length)).toEqual([0, 1, 0]);
    for (const t of turns)
      for (const c of children(t)) {
        expect(ns(c.startTimeUnixNano)).toBeGreaterThanOrEqual(ns(t.startTimeUnixNano));
        expect(ns(c.endTimeUnixNano)).toBeLessThanOrEqual(ns(t.endTimeUnixNano));
      }
    const chats = spans.filter((s) => attr(s, 'gen_ai.operation.name') === 'chat');
    expect(chats.map((c) => attr(c, 'gen_ai.usage.cache_read.input_tokens'))).toEqual(
      AUDIO_CALL.replies.map((r) => String(r.usage.promptCachedTokens)),
    );
    expect(turns.map((t) => attr(t, 'lk.interrupted'))).toEqual([true, false, false]);
    const said = (s: OtlpSpan) => JSON.parse(String(attr(s, 'gen_ai.output.messages')))[0].finish_reason;
    expect(turns.map(said)).toEqual(['error', 'stop', 'stop']);
    // The end-of-turn stage, with LiveKit's names and units (seconds).
    const stt = children(turns[1]!).find((s) => s.name === 'speech_to_text')!;
    expect(typeof attr(stt, 'lk.end_of_turn_delay')).toBe('number');
    expect(attr(stt, 'lk.transcript_confidence')).toBe(AUDIO_CALL.utterances[1]!.confidence);
  });

  it('imports its report with the LLM, STT and TTS usage priced as the live recording was', async () => {
    const r = await convlog(['import', report, '--call-id', 'imported-audio', '--config', emptyConfig(), '--database-url', url]);
    expect(r.code).toBe(0);
    const ds = await logger.dataSource();
    const cost = async (callId: string) => {
      const sql =
        'SELECT SUM(llm_cost_usd) AS llm, SUM(stt_cost_usd) AS stt, SUM(tts_cost_usd) AS tts, SUM(unpriced_usage_count) AS unpriced FROM conversation_metrics WHERE call_id = ';
      const [row] = (await ds.query(sql + (ds.options.type === 'postgres' ? '$1' : '?'), [callId])) as Row[];
      return { llm: Number(row!['llm']), stt: Number(row!['stt']), tts: Number(row!['tts']), unpriced: Number(row!['unpriced']) };
    };
    const live = await cost('call-audio');
    const imported = await cost('imported-audio');
    expect(live.stt).toBeGreaterThan(0);
    expect(live.tts).toBeGreaterThan(0);
    expect(imported.llm).toBeCloseTo(live.llm, 12);
    expect(imported.stt).toBeCloseTo(live.stt, 12);
    expect(imported.tts).toBeCloseTo(live.tts, 12);
    expect(imported.unpriced).toBe(0);
    expect((await getCallListRow(ds, 'imported-audio'))!.costUsd).toBeCloseTo((await getCallListRow(ds, 'call-audio'))!.costUsd, 12);
  });
});

/** A config file that sets nothing: the built-in prices, as the live recording used. */
function emptyConfig(): string {
  const file = path.join(inject('tmpDir'), 'empty-audio.config.mjs');
  fs.writeFileSync(file, 'export default {};\n');
  return file;
}
