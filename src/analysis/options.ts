import type { llm } from '@livekit/agents';
import { ConversationLogError } from '../errors.js';
import { mergePricing, type PricingTable } from '../config/pricing.js';

/**
 * A schema the extracted fields are checked against: a zod schema (anything with `safeParse`,
 * zod 3 or 4) or a JSON Schema object (draft-07).
 */
export type AnalysisSchema = SafeParseSchema | JsonSchemaObject;

/** The part of a zod schema the analysis uses. */
export interface SafeParseSchema {
  safeParse(value: unknown): { success: true; data?: unknown } | { success: false; error?: { issues?: ReadonlyArray<IssueLike> } };
}

interface IssueLike {
  path?: ReadonlyArray<string | number | symbol>;
  message?: string;
}

/** A JSON Schema, as a plain object (`{ type: 'object', properties: { … }, required: [ … ] }`). */
export type JsonSchemaObject = Record<string, unknown>;

/**
 * Post-call analysis: after a call ends, an LLM of yours reads its stored transcript and writes a
 * summary, a verdict against your success criteria and the fields your schema asks for.
 *
 * @remarks
 * Set in `agent.config.ts` (`analysis: { … }`), in {@link attachConversationLog}'s options or in
 * `ConversationLogger.open({ analysis })`. It runs after the call's end is stored, never on the
 * agent's path: an LLM that fails or is slow changes nothing for the call, and its failure is
 * stored as `analysis_failed`. `convlog analyze` runs it later over stored calls.
 *
 * @example
 * ```ts
 * import * as openai from '@livekit/agents-plugin-openai';
 * import { z } from 'zod';
 *
 * export default defineConversationLogConfig({
 *   analysis: {
 *     llm: new openai.LLM({ model: 'gpt-4o-mini' }),
 *     criteria: 'The caller got an answer to their question, or was told who can answer it.',
 *     schema: z.object({ orderId: z.string().nullable(), refundRequested: z.boolean() }),
 *   },
 * });
 * ```
 */
export interface AnalysisOptions {
  /** Any `llm.LLM` of `@livekit/agents`: a provider plugin's, LiveKit inference, a fallback adapter. */
  llm: llm.LLM;
  /**
   * What a successful call is, in your words. With criteria the LLM gives a verdict (`pass`,
   * `fail` or `unclear`) and its reason; without, no verdict is asked for.
   */
  criteria?: string;
  /** The fields to extract, as a zod schema or a JSON Schema object; invalid answers are kept raw and marked invalid. */
  schema?: AnalysisSchema;
  /** Ask for a summary of the call (default true). */
  summary?: boolean;
  /** More instructions for the analysis LLM (the domain, the language of the summary, …). */
  instructions?: string;
  /** How long one request may take (ms, default 30 000); past it the request is closed and counts as failed. */
  timeoutMs?: number;
  /** Requests made again after a failure (default 2, so at most 3 requests). */
  retries?: number;
  /** Wait before the first retry (ms, default 1 000), doubled before each next one. */
  retryDelayMs?: number;
  /** Transcripts longer than this many characters keep their beginning and end (default 100 000). */
  maxTranscriptChars?: number;
  /** Prices over the built-in table, to price the analysis's tokens (the plugin's `pricing` by default). */
  pricing?: Partial<PricingTable>;
  /** False turns the automatic analysis after each call off; `convlog analyze` still runs it (default true). */
  auto?: boolean;
}

/** {@link AnalysisOptions} checked, with every default filled in. */
export interface ResolvedAnalysis {
  llm: llm.LLM;
  criteria: string | null;
  schema: AnalysisSchema | null;
  summary: boolean;
  instructions: string | null;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  maxTranscriptChars: number;
  pricing: PricingTable;
  auto: boolean;
}

const bad = (field: string, problem: string) =>
  new ConversationLogError('CONFIG_INVALID', `analysis.${field} ${problem}`, { field: `analysis.${field}` });

const whole = (field: string, v: unknown, fallback: number, min: number, max: number): number => {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
    throw bad(field, `must be a whole number from ${min} to ${max}.`);
  return v;
};

const textOrNull = (field: string, v: unknown): string | null => {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw bad(field, 'must be a string.');
  return v.trim() === '' ? null : v;
};

/** True for a schema with `safeParse` (zod and lookalikes). */
export const isSafeParseSchema = (s: AnalysisSchema): s is SafeParseSchema => typeof (s as SafeParseSchema).safeParse === 'function';

/**
 * Checks analysis options and fills in the defaults; `pricing` is the table the caller already
 * uses (the plugin's), which `options.pricing` goes over.
 *
 * @throws ConversationLogError `CONFIG_INVALID` naming the option (`analysis.llm`, …)
 */
export function resolveAnalysis(options: AnalysisOptions, pricing?: Partial<PricingTable>): ResolvedAnalysis {
  if (options === null || typeof options !== 'object') throw bad('llm', 'is needed: analysis must be an object with an llm.');
  const model = options.llm as unknown as { chat?: unknown } | null | undefined;
  if (model === null || typeof model !== 'object' || typeof model.chat !== 'function')
    throw bad('llm', 'must be an llm.LLM of @livekit/agents (e.g. new openai.LLM({ model: "gpt-4o-mini" })).');
  const schema = options.schema ?? null;
  if (schema !== null && (typeof schema !== 'object' || Array.isArray(schema)))
    throw bad('schema', 'must be a zod schema or a JSON Schema object.');
  if (options.summary !== undefined && typeof options.summary !== 'boolean') throw bad('summary', 'must be true or false.');
  if (options.auto !== undefined && typeof options.auto !== 'boolean') throw bad('auto', 'must be true or false.');
  return {
    llm: options.llm,
    criteria: textOrNull('criteria', options.criteria),
    schema,
    summary: options.summary ?? true,
    instructions: textOrNull('instructions', options.instructions),
    timeoutMs: whole('timeoutMs', options.timeoutMs, 30_000, 1, 2 ** 31 - 1),
    retries: whole('retries', options.retries, 2, 0, 10),
    retryDelayMs: whole('retryDelayMs', options.retryDelayMs, 1_000, 0, 600_000),
    maxTranscriptChars: whole('maxTranscriptChars', options.maxTranscriptChars, 100_000, 1_000, 10_000_000),
    pricing: mergePricing(options.pricing, mergePricing(pricing)),
    auto: options.auto ?? true,
  };
}
