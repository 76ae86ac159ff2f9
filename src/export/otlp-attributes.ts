/** The attributes the trace export writes, each key with its one OTLP value type, and the encodings of ids, times and durations. */
import { createHash } from 'node:crypto';
import { telemetry } from '@livekit/agents';
import type { OtlpKeyValue } from './otlp-json.js';

/** LiveKit's tracing names (`lk.*`, the GenAI conventions) and helpers, as its own traces use them. */
export const tt = telemetry.traceTypes;

/**
 * Every attribute key the export writes, with its one OTLP value type: a key never changes type
 * with its value (a cost of 0 is a `doubleValue` like any other cost). LiveKit's own `lk.*` names
 * (its tracing's `trace_types`) and the GenAI semantic-convention names where they exist, with
 * LiveKit's units (seconds); `livekit.*` for what only this package records.
 */
const ATTRIBUTE_TYPES = {
  'service.name': 'string',
  // the call
  'livekit.call.id': 'string',
  [tt.ATTR_ROOM_NAME]: 'string',
  [tt.ATTR_JOB_ID]: 'string',
  [tt.ATTR_AGENT_NAME]: 'string',
  'livekit.agents.version': 'string',
  'call.status': 'string',
  'call.end_reason': 'string',
  'call.cost_usd': 'double',
  'call.turns': 'int',
  // GenAI
  [tt.ATTR_GEN_AI_OPERATION_NAME]: 'string',
  [tt.ATTR_GEN_AI_PROVIDER_NAME]: 'string',
  [tt.ATTR_GEN_AI_AGENT_NAME]: 'string',
  [tt.ATTR_GEN_AI_CONVERSATION_ID]: 'string',
  [tt.ATTR_GEN_AI_REQUEST_MODEL]: 'string',
  [tt.ATTR_GEN_AI_RESPONSE_ID]: 'string',
  [tt.ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: 'string[]',
  [tt.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]: 'double',
  [tt.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 'int',
  [tt.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 'int',
  [tt.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 'int',
  [tt.ATTR_GEN_AI_INPUT_MESSAGES]: 'string',
  [tt.ATTR_GEN_AI_OUTPUT_MESSAGES]: 'string',
  [tt.ATTR_GEN_AI_TOOL_NAME]: 'string',
  [tt.ATTR_GEN_AI_TOOL_CALL_ID]: 'string',
  [tt.ATTR_GEN_AI_TOOL_TYPE]: 'string',
  [tt.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: 'string',
  [tt.ATTR_GEN_AI_TOOL_CALL_RESULT]: 'string',
  [tt.ATTR_ERROR_TYPE]: 'string',
  // LiveKit's turn, stage and tool attributes
  [tt.ATTR_AGENT_TURN_ID]: 'string',
  [tt.ATTR_SPEECH_INTERRUPTED]: 'bool',
  [tt.ATTR_E2E_LATENCY]: 'double',
  [tt.ATTR_END_OF_TURN_DELAY]: 'double',
  [tt.ATTR_TRANSCRIPTION_DELAY]: 'double',
  [tt.ATTR_TRANSCRIPT_CONFIDENCE]: 'double',
  [tt.ATTR_RESPONSE_TTFT]: 'double',
  [tt.ATTR_RESPONSE_TTFB]: 'double',
  [tt.ATTR_FUNCTION_TOOL_ID]: 'string',
  [tt.ATTR_FUNCTION_TOOL_NAME]: 'string',
  [tt.ATTR_FUNCTION_TOOL_IS_ERROR]: 'bool',
  // this package's own figures
  'livekit.turn.outcome': 'string',
  'livekit.turn.e2e_derived': 'bool',
  'livekit.turn.unattributed_ms': 'double',
  'livekit.turn.sla_violation': 'bool',
  'livekit.turn.cost_usd': 'double',
  'livekit.stage': 'string',
  'livekit.llm.cost_usd': 'double',
  'livekit.tool.duration_ms': 'double',
} as const satisfies Record<string, 'string' | 'int' | 'double' | 'bool' | 'string[]'>;

type AttributeTypes = typeof ATTRIBUTE_TYPES;
export type OtlpAttributeKey = keyof AttributeTypes;
type ValueOf<T> = T extends 'string' ? string : T extends 'int' | 'double' ? number : T extends 'bool' ? boolean : string[];

/** The OTLP value type of every attribute key the export writes (one per key). */
export const OTLP_ATTRIBUTE_TYPES: Readonly<Record<OtlpAttributeKey, 'string' | 'int' | 'double' | 'bool' | 'string[]'>> = ATTRIBUTE_TYPES;

/** `key` = `v` with the key's declared type; nothing for null / undefined (or a non-finite number). */
export function attr<K extends OtlpAttributeKey>(key: K, v: ValueOf<AttributeTypes[K]> | null | undefined): OtlpKeyValue[] {
  if (v === null || v === undefined) return [];
  const type = ATTRIBUTE_TYPES[key];
  switch (type) {
    case 'string':
      return [{ key, value: { stringValue: String(v) } }];
    case 'bool':
      return [{ key, value: { boolValue: v === true } }];
    case 'string[]':
      return [{ key, value: { arrayValue: { values: (v as string[]).map((s) => ({ stringValue: s })) } } }];
    case 'int':
      return Number.isFinite(v) ? [{ key, value: { intValue: String(Math.round(v as number)) } }] : [];
    case 'double':
      return Number.isFinite(v) ? [{ key, value: { doubleValue: v as number } }] : [];
  }
}

export const hex = (seed: string, bytes: number) =>
  createHash('sha256')
    .update(seed)
    .digest('hex')
    .slice(0, bytes * 2);
export const nanos = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;
export const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

/** The GenAI registry's spelling of a LiveKit provider (LiveKit's own mapping); `unknown` when none is known, as LiveKit's base LLM reports. */
export const providerName = (provider: string | null | undefined): string => tt.genAIProviderName(provider) ?? 'unknown';
