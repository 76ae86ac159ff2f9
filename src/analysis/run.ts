import type { DataSource } from 'typeorm';
import { costOf } from '../config/pricing.js';
import { createAnalysisCompletedEvent, createAnalysisFailedEvent } from '../events/create.js';
import type { AnalysisCompletedData, AnalysisFailedAttempt, AnalysisFailedData, NewEvent } from '../events/types.js';
import { ConversationLogError, invalidArgument } from '../errors.js';
import { callsToAnalyze, getCallTranscript, type CallsToAnalyzeFilter } from '../queries/transcript.js';
import { isSafeParseSchema, type ResolvedAnalysis } from './options.js';
import { jsonObjectOf, jsonSchemaValidator, readAnswer } from './output.js';
import { ANALYSIS_REQUEST, systemPrompt, transcriptMessage } from './prompt.js';

/** Where an analysis reads the call and writes its result: a `ConversationLogger`. */
export interface AnalysisStore {
  append(event: NewEvent): Promise<void>;
  dataSource(): Promise<DataSource>;
}

/** The outcome of one call's analysis, as stored. */
export type AnalysisResult =
  ({ callId: string; status: 'completed' } & AnalysisCompletedData) | ({ callId: string; status: 'failed' } & AnalysisFailedData);

interface Usage {
  input: number;
  cached: number;
  output: number;
  seen: boolean;
}

class AttemptFailure extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly rawOutput: string | null = null,
  ) {
    super(message);
  }
}

/** Error text for storage: one line, bounded (provider errors never quote the transcript we sent, but may be long). */
const errorText = (e: unknown): string => {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/\s+/g, ' ').slice(0, 500) || 'unknown error';
};

/**
 * One request: the system prompt, the transcript, then {@link ANALYSIS_REQUEST}. Resolves with the
 * answer's text, or rejects with an {@link AttemptFailure} (error, time limit, empty answer).
 */
async function request(a: ResolvedAnalysis, system: string, transcript: string, usage: Usage): Promise<string> {
  const agents = await import('@livekit/agents');
  // An LLMStream logs through LiveKit's logger, which throws until initialised: outside an agent
  // process (convlog analyze, a script) it is initialised here, silent (failures are stored instead).
  if (agents.loggerOptions() === undefined) agents.initializeLogger({ pretty: false, level: 'silent' });
  const chatCtx = agents.llm.ChatContext.empty();
  chatCtx.addMessage({ role: 'system', content: system });
  chatCtx.addMessage({ role: 'user', content: transcript });
  chatCtx.addMessage({ role: 'user', content: ANALYSIS_REQUEST });
  const model = a.llm;
  let failed: unknown = null;
  // An LLMStream reports a provider error on its LLM (`error`), then ends its iteration quietly.
  const onError = (ev: { error?: unknown; recoverable?: boolean }) => {
    if (!ev.recoverable) failed ??= ev.error ?? new Error('LLM error');
  };
  model.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  let stream: ReturnType<typeof model.chat> | undefined;
  try {
    stream = model.chat({ chatCtx, connOptions: { maxRetry: 0, retryIntervalMs: 0, timeoutMs: a.timeoutMs } });
    const s = stream;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        s.close();
        reject(new AttemptFailure('timeout', `the analysis LLM did not answer within ${a.timeoutMs} ms`));
      }, a.timeoutMs);
    });
    const collect = (async () => {
      const parts: string[] = [];
      for await (const chunk of s) {
        if (chunk.delta?.content) parts.push(chunk.delta.content);
        if (chunk.usage) {
          usage.input += chunk.usage.promptTokens ?? 0;
          usage.cached += chunk.usage.promptCachedTokens ?? 0;
          usage.output += chunk.usage.completionTokens ?? 0;
          usage.seen = true;
        }
      }
      return parts.join('');
    })();
    const text = await Promise.race([collect, timedOut]);
    if (failed !== null) throw new AttemptFailure('llm_error', errorText(failed));
    if (text.trim() === '') throw new AttemptFailure('empty_output', 'the analysis LLM answered nothing');
    return text;
  } catch (error) {
    if (error instanceof AttemptFailure) throw error;
    throw new AttemptFailure('llm_error', errorText(failed ?? error));
  } finally {
    clearTimeout(timer);
    model.off('error', onError);
    stream?.close();
  }
}

/** A JSON Schema text for the prompt: the JSON Schema given, or the zod schema converted (via `@livekit/agents`). */
async function schemaText(a: ResolvedAnalysis): Promise<string | null> {
  if (a.schema === null) return null;
  if (!isSafeParseSchema(a.schema)) return JSON.stringify(a.schema, null, 2);
  try {
    const { llm: agentsLlm } = await import('@livekit/agents');
    return JSON.stringify(agentsLlm.toJsonSchema(a.schema as never, false), null, 2);
  } catch {
    return '(an object; its keys as the instructions describe)';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Analyses one ended call: builds its transcript from the stored messages (redacted as the store
 * is), asks the analysis LLM, and appends `analysis_completed` (summary, verdict, fields; an
 * invalid answer kept raw and marked) or, when every attempt failed, `analysis_failed`. Each
 * request has `timeoutMs`; a failed one is retried `retries` times with a doubling delay. Both
 * events list the failed requests, each with its error and the wait before the next (`failedAttempts`).
 *
 * @remarks
 * LLM failures are results, never rejections; the promise rejects only when the call is unknown
 * or still active (`UNKNOWN_CALL`, `INVALID_ARGUMENT`), the JSON Schema cannot be compiled
 * (`CONFIG_INVALID`), or the store cannot take the result.
 */
export async function analyzeCall(store: AnalysisStore, callId: string, a: ResolvedAnalysis): Promise<AnalysisResult> {
  if (a.schema !== null && !isSafeParseSchema(a.schema)) {
    try {
      await jsonSchemaValidator(a.schema);
    } catch (error) {
      throw new ConversationLogError(
        'CONFIG_INVALID',
        `analysis.schema is not a JSON Schema that can be compiled (draft-07): ${errorText(error)}. Fix the schema, or give a zod schema.`,
        { field: 'analysis.schema', cause: error },
      );
    }
  }
  const ds = await store.dataSource();
  const transcript = await getCallTranscript(ds, callId);
  if (transcript === null) throw new ConversationLogError('UNKNOWN_CALL', `No call ${callId} in this store.`, { field: 'callId' });
  if (transcript.status === 'active') throw invalidArgument('callId', `names a call that is still active; analyse it once it ended.`);
  const provider = a.llm.provider ?? null;
  const model = a.llm.model ?? null;
  const usage: Usage = { input: 0, cached: 0, output: 0, seen: false };
  const started = Date.now();
  let attempts = 0;
  const failedAttempts: AnalysisFailedAttempt[] = [];
  const run = () => {
    const tokens = usage.seen ? { tokensInput: usage.input, tokensCachedInput: usage.cached, tokensOutput: usage.output } : {};
    const cost = usage.seen
      ? costOf(a.pricing, {
          kind: 'llm',
          provider,
          model,
          tokensInput: usage.input,
          tokensCachedInput: usage.cached,
          tokensOutput: usage.output,
        })
      : null;
    return {
      callId,
      provider,
      model,
      ...tokens,
      costUsd: cost,
      priceVersion: cost === null ? null : a.pricing.version,
      attempts,
      failedAttempts,
      durationMs: Date.now() - started,
    };
  };
  let failure: AttemptFailure;
  if (transcript.lines.length === 0) {
    failure = new AttemptFailure('empty_transcript', 'the call has no stored message to analyse');
  } else {
    const system = systemPrompt(a, await schemaText(a));
    const transcriptContent = transcriptMessage(transcript, a.maxTranscriptChars);
    for (;;) {
      attempts++;
      try {
        const text = await request(a, system, transcriptContent, usage);
        const answer = jsonObjectOf(text);
        if (answer === null)
          throw new AttemptFailure('invalid_output', 'the analysis LLM did not answer with a JSON object', text.slice(0, 20_000));
        const read = await readAnswer(answer, { summary: a.summary, verdict: a.criteria !== null, schema: a.schema });
        const event = createAnalysisCompletedEvent({
          ...run(),
          summary: read.summary,
          verdict: read.verdict,
          verdictReason: read.verdictReason,
          fields: read.fields,
          fieldsValid: read.fieldsValid,
          fieldsErrors: read.fieldsErrors,
          rawOutput: read.invalid ? text.slice(0, 20_000) : null,
        });
        await store.append(event);
        return { callId, status: 'completed', ...event.data };
      } catch (error) {
        if (!(error instanceof AttemptFailure)) throw error;
        failure = error;
      }
      const retryDelayMs = attempts > a.retries ? null : a.retryDelayMs * 2 ** (attempts - 1);
      failedAttempts.push({ errorType: failure.type, error: failure.message, retryDelayMs });
      if (retryDelayMs === null) break;
      await sleep(retryDelayMs);
    }
  }
  const event = createAnalysisFailedEvent({ ...run(), error: failure.message, errorType: failure.type, rawOutput: failure.rawOutput });
  await store.append(event);
  return { callId, status: 'failed', ...event.data };
}

/** What {@link analyzeStoredCalls} did. */
export interface AnalyzeCallsResult {
  analysed: number;
  completed: number;
  failed: number;
  results: AnalysisResult[];
}

/**
 * Analyses stored calls one after another (`convlog analyze`): ended calls since `from`, or one
 * call, without a completed analysis unless `redo`.
 */
export async function analyzeStoredCalls(
  store: AnalysisStore,
  a: ResolvedAnalysis,
  filter: CallsToAnalyzeFilter = {},
  onProgress?: (done: number, total: number) => void,
): Promise<AnalyzeCallsResult> {
  const ids = await callsToAnalyze(await store.dataSource(), filter);
  const out: AnalyzeCallsResult = { analysed: 0, completed: 0, failed: 0, results: [] };
  for (const id of ids) {
    const r = await analyzeCall(store, id, a);
    out.analysed++;
    if (r.status === 'completed') out.completed++;
    else out.failed++;
    out.results.push(r);
    onProgress?.(out.analysed, ids.length);
  }
  return out;
}
