/**
 * `npm run demo`: a scripted call through a real @livekit/agents voice.AgentSession (no LiveKit
 * server needed), logged by the plugin to the embedded SQLite default (DATABASE_URL, default
 * sqlite:./data/voice_ai.db), then its transcript, per-turn latency and statistics printed.
 */
import { initializeLogger, llm, voice } from '@livekit/agents';
import { z } from 'zod';
import { attachConversationLog, getConversationLogger } from '../src/index.js';

initializeLogger({ pretty: false, level: 'silent' });

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

// A scripted model: each user line maps to a reply (with a realistic time to first token) or a tool call.
const model = new voice.testing.FakeLLM([
  { input: 'Hi, I need help with my booking', content: 'Of course. What is your booking reference?', ttft: 420, duration: 600 },
  { input: 'It is K7Q2XZ', toolCalls: [{ name: 'lookup_booking', args: { reference: 'K7Q2XZ' } }], ttft: 380 },
  { input: 'Can I move to a window seat?', content: 'Done: you are now in seat 14A, a window seat.', ttft: 1650, duration: 1900 },
  { input: 'Thanks, that is all', content: 'You are welcome. Have a good flight!', ttft: 350, duration: 500 },
]);

const logger = getConversationLogger();
const session = new voice.AgentSession({ llm: model });
const callId = `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const log = await attachConversationLog(session, undefined, { callId, room: 'demo-room', callerNumber: '+15550100', sink: logger });

await session.start({ agent: new SupportAgent() });
for (const line of ['Hi, I need help with my booking', 'It is K7Q2XZ', 'Can I move to a window seat?', 'Thanks, that is all']) {
  await session.run({ userInput: line }).wait();
}
await session.close();
await log.flush();

// --- What was recorded ------------------------------------------------------------------------
const ds = await logger.dataSource();
const history = await logger.getConversationHistory({ conversationId: log.conversationId, limit: 100 });
const turns = (await ds.query(
  ds.options.type === 'postgres'
    ? 'SELECT * FROM turns WHERE call_id = $1'
    : 'SELECT * FROM turns WHERE call_id = ?',
  [callId],
)) as Array<Record<string, unknown>>;
const turnOf = new Map(turns.map((t) => [t['assistant_message_id'], t]));
const ms = (v: unknown) => (v === null || v === undefined ? '   -  ' : `${Math.round(Number(v)).toString().padStart(5)}ms`);

console.log(`\nCall ${callId} — stored in ${logger.config.databaseUrl}\n`);
for (const m of history) {
  const who = m.role === 'tool' ? `tool ${m.toolName}` : m.role;
  const text = m.role === 'tool' ? `${m.toolArguments} → ${m.content}` : m.content;
  console.log(`${who.padStart(10)}: ${text}`);
  const t = turnOf.get(m.id);
  if (t) {
    console.log(
      `${''.padStart(12)}latency: e2e ${ms(t['e2e_latency_ms'])}${t['e2e_derived'] ? ' (derived)' : ''} | LLM TTFT ${ms(t['llm_ttft_ms'])} | TTS TTFB ${ms(t['tts_ttfb_ms'])} | EOU ${ms(t['end_of_turn_delay_ms'])}${Number(t['sla_violation']) || t['sla_violation'] === true ? '  ⚠ SLA' : ''}`,
    );
  }
}

const stats = await logger.getCallStatistics({ hours: 24 });
console.log('\nStatistics (last 24 h, this store):');
console.log(`  calls: ${stats.calls.total} total, ${stats.calls.completed} completed, ${stats.calls.failed} failed, success rate ${stats.calls.successRate?.toFixed(1) ?? '-'}%`);
console.log(
  `  responses: ${stats.performance.responses}, avg ${stats.performance.avgResponseTimeMs?.toFixed(0)} ms, p50 ${stats.performance.p50ResponseTimeMs?.toFixed(0)} ms, p95 ${stats.performance.p95ResponseTimeMs?.toFixed(0)} ms, SLA violations ${stats.performance.slaViolations}`,
);
console.log(`  cost: $${stats.costs.totalUsd.toFixed(4)} (unpriced usage records: ${stats.costs.unpricedUsage}), tokens in/out ${stats.tokens.input}/${stats.tokens.output}`);
console.log(`  errors: ${stats.errors.total}`);
await logger.close();
