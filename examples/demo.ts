/**
 * `npm run demo`: a scripted phone call through a real @livekit/agents `voice.AgentSession` on
 * the audio path (no LiveKit server needed: scripted STT, LLM and TTS, audio frames in real
 * time), logged by the plugin to the embedded SQLite default (DATABASE_URL, default
 * sqlite:./data/voice_ai.db); then its transcript with per-turn latency, and the statistics.
 */
import { initializeLogger, llm, voice } from '@livekit/agents';
import { z } from 'zod';
import { attachConversationLog, getConversationLogger, getCallDetail } from '../src/index.js';
import type { ScriptedCall } from './scripted/session.js';
import { scriptedAudioSession } from './scripted/session.js';

initializeLogger({ pretty: false, level: 'silent' });
// A demo prints its results, not the store's info logs (LOG_LEVEL=info shows them).
process.env['LOG_LEVEL'] ??= 'warn';

class SupportAgent extends voice.Agent {
  constructor() {
    super({
      instructions: 'You are a concise airline support agent.',
      tools: {
        lookup_booking: llm.tool({
          description: 'Look up a booking by reference',
          parameters: z.object({ reference: z.string() }),
          execute: async ({ reference }) => ({ reference, flight: 'LK 204', departs: '2026-12-01T09:40Z', seat: '14C' }),
        }),
      },
    });
  }
}

const WINDOW_SEAT =
  'Done. You are now in seat 14A, a window seat, on flight LK 204. I have also sent the updated boarding pass ' +
  'to the e-mail address on your booking, and your meal preference stays the same. Is there anything else I can ' +
  'help you with today, for example baggage or lounge access?';
const GOODBYE = 'You are welcome. Have a good flight!';

// The caller's lines on the audio clock; the fourth is spoken over the agent's long answer.
const call: ScriptedCall = {
  utterances: [
    { startMs: 300, endMs: 1500, transcript: 'Hi, I need help with my booking', confidence: 0.94, sttDelayMs: 60 },
    { startMs: 3000, endMs: 3900, transcript: 'It is K7Q2XZ', confidence: 0.81, sttDelayMs: 80 },
    { startMs: 5800, endMs: 6700, transcript: 'Can I move to a window seat?', confidence: 0.9, sttDelayMs: 70 },
    { startMs: 8900, endMs: 9600, transcript: 'Great, thanks, that is all', confidence: 0.96, sttDelayMs: 60 },
  ],
  replies: [
    {
      input: 'Hi, I need help with my booking',
      content: 'Of course. What is your booking reference?',
      ttftMs: 350,
      usage: { promptTokens: 820, promptCachedTokens: 0, completionTokens: 11 },
    },
    {
      input: 'It is K7Q2XZ',
      toolCalls: [{ name: 'lookup_booking', args: { reference: 'K7Q2XZ' } }],
      ttftMs: 300,
      usage: { promptTokens: 860, promptCachedTokens: 768, completionTokens: 18 },
    },
    {
      afterTool: 'lookup_booking',
      content: 'I found it: flight LK 204 on December 1st, seat 14C. What would you like to change?',
      ttftMs: 300,
      usage: { promptTokens: 950, promptCachedTokens: 768, completionTokens: 24 },
    },
    // A slow model answer: over the 1.5 s SLA.
    {
      input: 'Can I move to a window seat?',
      content: WINDOW_SEAT,
      ttftMs: 1500,
      usage: { promptTokens: 1010, promptCachedTokens: 896, completionTokens: 62 },
    },
    {
      input: 'Great, thanks, that is all',
      content: GOODBYE,
      ttftMs: 300,
      usage: { promptTokens: 1090, promptCachedTokens: 1024, completionTokens: 9 },
    },
  ],
  ttsTtfbMs: 140,
  minEndpointingDelayMs: 150,
};

const logger = getConversationLogger();
const { session, input, finished } = scriptedAudioSession(call, GOODBYE);
const callId = `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const log = await attachConversationLog(session, undefined, { callId, room: 'demo-room', callerNumber: '+15550100', sink: logger });

console.log(`Placing a scripted phone call through a real voice.AgentSession (about 11 s of audio)…`);
await session.start({ agent: new SupportAgent() });
input.start();
await finished;
input.stop();
await session.close();
await log.flush();

// --- What was recorded ------------------------------------------------------------------------
const detail = await getCallDetail(await logger.dataSource(), callId);
if (!detail) throw new Error(`call ${callId} was not recorded`);
const ms = (v: number | null) => (v === null ? '    -' : `${Math.round(v).toString().padStart(5)}`);

console.log(
  `\nCall ${callId} (${detail.call.status}, ${Math.round((detail.call.durationMs ?? 0) / 1000)} s) — stored in ${logger.config.databaseUrl}\n`,
);
for (const m of detail.messages) {
  const who = m.role === 'tool' ? 'tool' : m.role;
  const text =
    m.role === 'tool'
      ? `${m.toolName}(${m.toolArguments}) → ${m.content}`
      : m.role === 'user'
        ? `${m.content}  [STT confidence ${m.sttConfidence?.toFixed(2) ?? '-'}]`
        : m.content;
  console.log(`${who.padStart(9)}: ${text}${m.interrupted ? '  [interrupted]' : ''}`);
  const t = detail.turns.find((x) => x.assistantMessageId === m.id);
  if (t)
    console.log(
      `${''.padStart(11)}e2e ${ms(t.e2eLatencyMs)} ms = EOU ${ms(t.endOfTurnDelayMs)} + LLM TTFT ${ms(t.llmTtftMs)} + TTS TTFB ${ms(t.ttsTtfbMs)} + other ${ms(t.unattributedMs)}` +
        `${t.slaViolation ? '   ⚠ over SLA' : ''}`,
    );
}

const stats = await logger.getCallStatistics({ hours: 24 });
const usd = (v: number | null) => (v === null ? 'unknown' : `$${v.toFixed(5)}`);
console.log('\nStatistics (last 24 h, every call in this store):');
console.log(
  `  calls      ${stats.calls.total} total, ${stats.calls.completed} completed, ${stats.calls.failed} failed, success rate ${stats.calls.ended ? `${stats.calls.successRate.toFixed(1)}%` : '-'}`,
);
console.log(
  `  responses  ${stats.performance.responses}: avg ${stats.performance.avgResponseTimeMs?.toFixed(0)} ms, p50 ${stats.performance.p50ResponseTimeMs?.toFixed(0)} ms, p95 ${stats.performance.p95ResponseTimeMs?.toFixed(0)} ms, SLA violations ${stats.performance.slaViolations}`,
);
console.log(`  STT        average confidence ${stats.performance.avgSttConfidence?.toFixed(3) ?? '-'}`);
console.log(
  `  cost       ${usd(stats.costs.totalUsd)} = LLM ${usd(stats.costs.llmUsd)} + STT ${usd(stats.costs.sttUsd)} + TTS ${usd(stats.costs.ttsUsd)}; tokens in/out ${stats.tokens.input}/${stats.tokens.output}`,
);
console.log(`  errors     ${stats.errors.total}`);
console.log('\nNext:');
console.log(`  npm run convlog -- show ${callId}   # this call, turn by turn`);
console.log('  npm run convlog -- calls             # every call in the store');
console.log('  npm run convlog -- serve             # the dashboard on http://127.0.0.1:4317');
await logger.close();
