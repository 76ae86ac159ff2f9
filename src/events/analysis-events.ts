/** The factories of what is said about a call after it: post-call analyses, tags and the agent's own outcome. */
import * as c from './check.js';
import { when, type EventEnvelope } from './envelope.js';
import {
  EVENT_SCHEMA_VERSION,
  type AnalysisCompletedData,
  type AnalysisFailedAttempt,
  type AnalysisFailedData,
  type AnalysisVerdict,
  type CallOutcome,
  type CallOutcomeRecordedData,
  type CallTaggedData,
  type NewEventOf,
  type JsonValue,
} from './types.js';

const VERDICTS: ReadonlySet<string> = new Set(['pass', 'fail', 'unclear']);
const CALL_OUTCOMES: ReadonlySet<string> = new Set(['success', 'fail']);

/** A tag: 1–64 characters, no control characters (it is shown in tables and used as a filter). */
export const MAX_TAG_LENGTH = 64;

function tagOf(v: unknown): string {
  const tag = c.id('tag', v);
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (tag.length > MAX_TAG_LENGTH || /[\u0000-\u001f\u007f]/.test(tag) || tag.trim() !== tag)
    throw c.invalid('tag', `must be 1–${MAX_TAG_LENGTH} characters without control characters or surrounding spaces.`);
  return tag;
}

const whole = (field: string, v: unknown): number => {
  const n = c.numberOrNull(field, v);
  if (n === null || !Number.isSafeInteger(n) || n < 0) throw c.invalid(field, 'must be a whole number >= 0.');
  return n;
};

const stringsOrNull = (field: string, v: unknown): string[] | null => {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw c.invalid(field, 'must be an array of strings or null.');
  return v as string[];
};

/** The failed requests: each with its error type and text, and the wait before the next (a whole number of ms, or null). */
function failedAttemptsOf(v: unknown): { failedAttempts?: AnalysisFailedAttempt[] } {
  if (v === undefined) return {};
  if (!Array.isArray(v)) throw c.invalid('failedAttempts', 'must be an array of { errorType, error, retryDelayMs }.');
  return {
    failedAttempts: v.map((a: Partial<AnalysisFailedAttempt> | null, i) => {
      if (a === null || typeof a !== 'object')
        throw c.invalid(`failedAttempts[${i}]`, 'must be an object { errorType, error, retryDelayMs }.');
      const delay =
        a.retryDelayMs === undefined || a.retryDelayMs === null ? null : whole(`failedAttempts[${i}].retryDelayMs`, a.retryDelayMs);
      return {
        errorType: c.id(`failedAttempts[${i}].errorType`, a.errorType),
        error: c.text(`failedAttempts[${i}].error`, a.error),
        retryDelayMs: delay,
      };
    }),
  };
}

type RunArgs = Partial<
  Pick<
    AnalysisCompletedData,
    'provider' | 'model' | 'tokensInput' | 'tokensCachedInput' | 'tokensOutput' | 'costUsd' | 'priceVersion' | 'durationMs'
  >
> & { attempts?: number; failedAttempts?: AnalysisFailedAttempt[] };

const runData = (a: RunArgs) => ({
  provider: c.textOrNull('provider', a.provider),
  model: c.textOrNull('model', a.model),
  tokensInput: c.numberOrNull('tokensInput', a.tokensInput),
  tokensCachedInput: c.numberOrNull('tokensCachedInput', a.tokensCachedInput),
  tokensOutput: c.numberOrNull('tokensOutput', a.tokensOutput),
  costUsd: c.numberOrNull('costUsd', a.costUsd),
  priceVersion: c.textOrNull('priceVersion', a.priceVersion),
  attempts: a.attempts === undefined ? 1 : whole('attempts', a.attempts),
  durationMs: c.numberOrNull('durationMs', a.durationMs),
  ...failedAttemptsOf(a.failedAttempts),
});

export type AnalysisCompletedArgs = EventEnvelope &
  RunArgs & {
    callId: string;
    summary?: string | null;
    verdict?: AnalysisVerdict | null;
    verdictReason?: string | null;
    fields?: JsonValue;
    fieldsValid?: boolean | null;
    fieldsErrors?: string[] | null;
    rawOutput?: string | null;
  };

/**
 * An `analysis_completed` event: the post-call analysis of call `callId`.
 *
 * @example
 * ```ts
 * const event = createAnalysisCompletedEvent({ callId: 'call-1', summary: 'Refund issued.', verdict: 'pass', verdictReason: 'Resolved.' });
 * ```
 */
export function createAnalysisCompletedEvent(a: AnalysisCompletedArgs): NewEventOf<'analysis_completed'> {
  return {
    type: 'analysis_completed',
    callId: c.id('callId', a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      summary: c.textOrNull('summary', a.summary),
      verdict: a.verdict === null || a.verdict === undefined ? null : c.oneOf<AnalysisVerdict>('verdict', a.verdict, VERDICTS, 'unclear'),
      verdictReason: c.textOrNull('verdictReason', a.verdictReason),
      fields: a.fields === undefined ? null : a.fields,
      fieldsValid: a.fieldsValid === null || a.fieldsValid === undefined ? null : c.flag('fieldsValid', a.fieldsValid, true),
      fieldsErrors: stringsOrNull('fieldsErrors', a.fieldsErrors),
      rawOutput: c.textOrNull('rawOutput', a.rawOutput),
      ...runData(a),
    },
  };
}

export type AnalysisFailedArgs = EventEnvelope & RunArgs & { callId: string; error: string; errorType?: string; rawOutput?: string | null };

/** An `analysis_failed` event: the post-call analysis of call `callId` failed in every attempt. */
export function createAnalysisFailedEvent(a: AnalysisFailedArgs): NewEventOf<'analysis_failed'> {
  const data: AnalysisFailedData = {
    error: c.text('error', a.error),
    errorType: a.errorType === undefined ? 'llm_error' : c.id('errorType', a.errorType),
    rawOutput: c.textOrNull('rawOutput', a.rawOutput),
    ...runData(a),
  };
  return {
    type: 'analysis_failed',
    callId: c.id('callId', a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data,
  };
}

export type CallTaggedArgs = EventEnvelope & { callId: string; tag: string };

/** A `call_tagged` event: `tag` (1–64 characters) put on call `callId`; tagging twice is harmless. */
export function createCallTaggedEvent(a: CallTaggedArgs): NewEventOf<'call_tagged'> {
  const data: CallTaggedData = { tag: tagOf(a.tag) };
  return {
    type: 'call_tagged',
    callId: c.id('callId', a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data,
  };
}

export type CallOutcomeRecordedArgs = EventEnvelope & { callId: string; outcome: CallOutcome; reason?: string | null };

/** A `call_outcome_recorded` event: the agent's own verdict (`success` or `fail`) on call `callId`, with a reason. */
export function createCallOutcomeRecordedEvent(a: CallOutcomeRecordedArgs): NewEventOf<'call_outcome_recorded'> {
  const data: CallOutcomeRecordedData = {
    outcome: c.oneOf<CallOutcome>('outcome', a.outcome ?? '', CALL_OUTCOMES, 'success'),
    reason: c.textOrNull('reason', a.reason),
  };
  return {
    type: 'call_outcome_recorded',
    callId: c.id('callId', a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data,
  };
}
