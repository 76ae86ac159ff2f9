/**
 * livekit-conversation-log configuration. Copy this file next to your agent and import it:
 *   import config from './agent.config.js';
 *   await attachConversationLog(session, ctx, config);
 * Environment variables override it: DATABASE_URL, CONVERSATION_LOG_SLA_MS,
 * CONVERSATION_LOG_RETENTION_DAYS, CONVERSATION_LOG_WEBHOOK_URL + _SECRET (and DB_POOL_SIZE, DB_POOL_OVERFLOW, DEBUG, LOG_LEVEL).
 * For `analysis`, import your LLM plugin here, e.g. import * as openai from '@livekit/agents-plugin-openai';
 */
import { defineConversationLogConfig } from 'livekit-conversation-log';

export default defineConversationLogConfig({
  // Embedded SQLite by default; postgres://user@host:5432/db to share one store across workers.
  databaseUrl: 'sqlite:./data/voice_ai.db',
  // A turn slower than this end to end (user stopped speaking → agent speaking) is an SLA violation.
  slaThresholdMs: 1500,
  retentionDays: 30,
  // Prices over the built-in table; unknown models cost null (never a guess).
  pricing: {
    version: 'my-prices-2026-11',
    llm: { 'gpt-4o-mini': { inputPerMTok: 0.15, cachedInputPerMTok: 0.075, outputPerMTok: 0.6 } },
  },
  // Call recordings (session.start({ record: true })): copied here, played by the dashboard,
  // deleted with their calls by cleanup; heard latency flagged past heardMismatchMs.
  // recordings: { dir: './data/recordings', heardMismatchMs: 150 },
  // Session events kept besides messages, tools, metrics, errors and close.
  events: { exclude: [] },
  // Personal data: redact phone numbers, e-mail addresses and card numbers before anything is
  // written, and store caller numbers as salted hashes (or 'mask', or 'keep').
  // redaction: { redact: true, callerNumber: 'hash', hashSalt: process.env.CALLER_HASH_SALT },
  // POST each call's report (signed, retried from an outbox in the store) when it ends:
  // webhooks: [{ url: 'https://crm.example.com/hooks/calls', secret: process.env.CRM_WEBHOOK_SECRET!, includeTranscript: true }],
  // Post-call analysis with any llm.LLM of @livekit/agents (also what `convlog analyze` runs):
  // a summary, a verdict against your criteria and fields matching your zod or JSON Schema.
  // analysis: {
  //   llm: new openai.LLM({ model: 'gpt-4o-mini' }),
  //   criteria: 'The caller got an answer to their question, or was told who can answer it.',
  //   schema: { type: 'object', properties: { orderId: { type: ['string', 'null'] } }, required: ['orderId'] },
  // },
});
