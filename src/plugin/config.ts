import type { AnalysisOptions } from '../analysis/options.js';
import { parseSlaVar, type StoreOverrides } from '../config/config.js';
import type { WebhookConfig } from '../config/webhooks.js';
import type { RedactionOptions } from '../redact/redact-event.js';
import type { PricingTable } from './pricing.js';

/**
 * What `agent.config.ts` may set. Environment variables override the file:
 * `DATABASE_URL` over `databaseUrl`, `CONVERSATION_LOG_READ_URL` over `readUrl`, `CONVERSATION_LOG_SLA_MS` over `slaThresholdMs`,
 * `CONVERSATION_LOG_RETENTION_DAYS` over `retentionDays`, `CONVERSATION_LOG_WEBHOOK_URL` (with
 * `CONVERSATION_LOG_WEBHOOK_SECRET`) over `webhooks`.
 */
export interface ConversationLogConfig {
  /** `sqlite:./data/voice_ai.db` (default) or `postgres://…`. */
  databaseUrl?: string;
  /**
   * A read replica of a PostgreSQL store (`postgres://…`; `CONVERSATION_LOG_READ_URL` overrides it):
   * the read-only CLI commands, the dashboard and the logger's statistics and search read there.
   */
  readUrl?: string;
  /** Turns slower than this end to end are SLA violations (ms, default 1500). */
  slaThresholdMs?: number;
  retentionDays?: number;
  /** Prices over the built-in table (see `DEFAULT_PRICING`); give it a `version`. */
  pricing?: Partial<PricingTable>;
  /**
   * Which LiveKit events to keep as `session_event`s besides messages, tools, metrics, errors
   * and close (always kept). Default: all. E.g. `{ exclude: ['agent_state_changed'] }`.
   */
  events?: { include?: string[]; exclude?: string[] };
  /**
   * Personal data: `{ redact: true }` replaces phone numbers, e-mail addresses and card numbers in
   * every transcript, tool argument and metadata value before it is written (or pass your own
   * function); `callerNumber: 'mask' | 'hash'` keeps the caller's number out of the store.
   */
  redaction?: RedactionOptions;
  /**
   * Where each call's report is POSTed when the call ends (and again when its analysis
   * completes): signed with HMAC-SHA256, retried from a durable outbox in the store until the
   * receiver answers 2xx. See `WebhookConfig` and the README's Webhooks section.
   */
  webhooks?: WebhookConfig[];
  /**
   * Post-call analysis with an LLM of yours (any `llm.LLM`): a summary, a verdict against your
   * `criteria` and the fields of your `schema`, run after each call's end is stored and by
   * `convlog analyze`. See `AnalysisOptions`.
   */
  analysis?: AnalysisOptions;
  /**
   * Call recordings (when the session records audio: `session.start({ record: true })`).
   * `dir`: copy each recording here (the directory the dashboard serves and `cleanup` deletes
   * from; `CONVERSATION_LOG_RECORDINGS_DIR` overrides it). `heardMismatchMs`: flag a turn whose
   * heard latency differs from the reported one by more than this (default 150 ms;
   * `CONVERSATION_LOG_HEARD_MISMATCH_MS` overrides it).
   */
  recordings?: { dir?: string; heardMismatchMs?: number };
  /** Writer tuning: queue bound and batch interval. */
  maxQueueSize?: number;
  flushIntervalMs?: number;
}

/** Identity helper that types an `agent.config.ts`. */
export const defineConversationLogConfig = (config: ConversationLogConfig): ConversationLogConfig => config;

/** The store configuration of a plugin config, with the environment overriding the file. */
export function storeOverrides(config: ConversationLogConfig, env: NodeJS.ProcessEnv = process.env): StoreOverrides {
  const out: StoreOverrides = {};
  const url = env['DATABASE_URL']?.trim() || config.databaseUrl;
  if (url !== undefined) out.databaseUrl = url;
  const readUrl = env['CONVERSATION_LOG_READ_URL']?.trim() || config.readUrl;
  if (readUrl !== undefined) out.readUrl = readUrl;
  const sla = parseSlaVar(env['CONVERSATION_LOG_SLA_MS']) ?? config.slaThresholdMs;
  if (sla !== undefined) out.slaThresholdMs = sla;
  if (!env['CONVERSATION_LOG_RETENTION_DAYS'] && config.retentionDays !== undefined) out.retentionDays = config.retentionDays;
  if (!env['CONVERSATION_LOG_RECORDINGS_DIR']?.trim() && config.recordings?.dir !== undefined) out.recordingsDir = config.recordings.dir;
  if (!env['CONVERSATION_LOG_HEARD_MISMATCH_MS']?.trim() && config.recordings?.heardMismatchMs !== undefined)
    out.heardMismatchMs = config.recordings.heardMismatchMs;
  if (config.maxQueueSize !== undefined) out.maxQueueSize = config.maxQueueSize;
  if (config.flushIntervalMs !== undefined) out.flushIntervalMs = config.flushIntervalMs;
  if (!env['CONVERSATION_LOG_WEBHOOK_URL']?.trim() && config.webhooks !== undefined) out.webhooks = config.webhooks;
  return out;
}

/** The `keepSessionEvents` predicate of an `events` filter. */
export function eventFilter(events: ConversationLogConfig['events']): (type: string) => boolean {
  const include = events?.include ? new Set(events.include) : null;
  const exclude = new Set(events?.exclude ?? []);
  return (type) => (include === null || include.has(type)) && !exclude.has(type);
}
