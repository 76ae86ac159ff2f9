import type { JsonObject } from '../events/types.js';
import { num, str, toPlainObject } from './plain.js';

/** A LiveKit AgentSession event: any object with a string `type` (see `voice/events.ts`). */
export type SessionEventLike = { type: string; createdAt?: number; [key: string]: unknown };

/** A chat item as the snapshot copies it: a message's text and metrics, a handoff's new agent, any other item whole. */
export type ItemSnapshot =
  | {
      type: 'message';
      id: string | null;
      role: string | null;
      content: string;
      createdAt: number | null;
      interrupted: boolean;
      transcriptConfidence: number | null;
      /** The message's metrics report (seconds): LiveKit replaces it, never changes it. */
      metrics: Record<string, unknown>;
    }
  | { type: 'agent_handoff'; newAgentId: string | null }
  /** Any other item (a function call, …), as a bounded plain copy that keeps its own `type`. */
  | { type: 'other'; item: JsonObject };

export interface ToolCallSnapshot {
  callId: string | null;
  name: string | null;
  args: string | null;
  createdAt: number | null;
}

export interface ToolOutputSnapshot {
  output: string | null;
  isError: boolean;
  createdAt: number | null;
}

/**
 * A session event reduced to the data the mapper reads, so it can be mapped after the listener
 * returned: one variant per LiveKit `AgentSessionEventTypes` event the mapper interprets, plus
 * `other` for the rest. Strings, numbers and booleans are copied out of LiveKit's live objects and
 * made storable here, once (chat messages, speech handles, errors and the components that raised
 * them are never kept); the plain-data reports LiveKit builds for each emission and replaces
 * rather than changes (metrics, a message's metrics, session usage) are kept by reference and
 * copied by the mapper. One exception, by design: a speech's `chatItems` stays LiveKit's own
 * array, which grows as the speech plays out; the mapper only reads its items' ids from it.
 */
export type SessionEventSnapshot =
  | { type: 'user_state_changed' | 'agent_state_changed'; createdAt: unknown; oldState: string | null; newState: string | null }
  | { type: 'user_input_transcribed'; createdAt: unknown; isFinal: false }
  | {
      type: 'user_input_transcribed';
      createdAt: unknown;
      isFinal: true;
      transcript: string | null;
      language: string | null;
      itemId: string | null;
      speakerId: string | null;
    }
  /** LiveKit's report of one request (plain data, made for this emission). */
  | { type: 'metrics_collected'; createdAt: unknown; metrics: unknown }
  /** The session's usage totals, built afresh for each emission (AgentSession.usage). */
  | { type: 'session_usage_updated'; createdAt: unknown; report: Record<string, unknown> }
  | { type: 'conversation_item_added'; createdAt: unknown; item: ItemSnapshot | null }
  | {
      type: 'speech_created';
      createdAt: unknown;
      source: string | null;
      userInitiated: boolean;
      speechId: string | null;
      chatItems: ReadonlyArray<{ id?: unknown }> | null;
    }
  | { type: 'function_tools_executed'; createdAt: unknown; functionCalls: ToolCallSnapshot[]; functionCallOutputs: ToolOutputSnapshot[] }
  | { type: 'error'; createdAt: unknown; source: string | null; errorType: string | null; message: string; recoverable: boolean }
  | { type: 'close'; createdAt: unknown; reason: string | null; error: string | null }
  /** Any other event, by its LiveKit type (`name`), as a bounded plain copy without type and time. */
  | { type: 'other'; name: string; createdAt: unknown; payload: JsonObject };

/** Fields of every LiveKit event that the log row already holds (its type and time): not repeated in a payload. */
export const EVENT_ENVELOPE: ReadonlySet<string> = new Set(['type', 'createdAt']);

/**
 * Copies what the mapper needs out of a LiveKit session event, in the session's listener: the
 * only work done while LiveKit's code waits (the mapping itself runs after the listener returns).
 *
 * @remarks
 * One object literal per event type (a variant of {@link SessionEventSnapshot}), the fields read
 * and made storable once; no serialisation, no I/O. An event type the mapper does not interpret
 * becomes the `other` variant, its LiveKit type as `name` and the event as a bounded plain copy
 * (`payload`), except `session_usage_updated`, whose usage report LiveKit builds afresh for each
 * emission: kept as is (`report`) and copied by the mapper.
 */
export function snapshotEvent(ev: SessionEventLike): SessionEventSnapshot {
  const type = ev.type;
  const createdAt: unknown = ev.createdAt;
  switch (type) {
    case 'user_state_changed':
    case 'agent_state_changed':
      return { type, createdAt, oldState: str(ev['oldState']), newState: str(ev['newState']) };
    case 'user_input_transcribed':
      if (ev['isFinal'] !== true) return { type, createdAt, isFinal: false };
      return {
        type,
        createdAt,
        isFinal: true,
        transcript: str(ev['transcript']),
        language: str(ev['language']),
        itemId: str(ev['itemId']),
        speakerId: str(ev['speakerId']),
      };
    case 'metrics_collected':
      // LiveKit's report of one request (plain data, made for this emission): copied by the mapper.
      return { type, createdAt, metrics: ev['metrics'] };
    case 'session_usage_updated':
      // The session's usage totals, built afresh for each emission (AgentSession.usage).
      return { type, createdAt, report: ev };
    case 'conversation_item_added':
      return { type, createdAt, item: itemOf(ev['item']) };
    case 'speech_created': {
      const handle = ev['speechHandle'] as { id?: unknown; chatItems?: unknown } | undefined;
      return {
        type,
        createdAt,
        source: str(ev['source']),
        userInitiated: ev['userInitiated'] === true,
        speechId: str(handle?.id),
        // LiveKit's live list (see SessionEventSnapshot): the reply's items are added to it later.
        chatItems: Array.isArray(handle?.chatItems) ? handle.chatItems : null,
      };
    }
    case 'function_tools_executed':
      return {
        type,
        createdAt,
        functionCalls: listOf(ev['functionCalls'], (c): ToolCallSnapshot => ({
          callId: str(c['callId']),
          name: str(c['name']),
          args: str(c['args']),
          createdAt: num(c['createdAt']),
        })),
        functionCallOutputs: listOf(ev['functionCallOutputs'], (o): ToolOutputSnapshot => ({
          output: str(o['output']),
          isError: o['isError'] === true,
          createdAt: num(o['createdAt']),
        })),
      };
    case 'error':
      return errorOf(ev, createdAt);
    case 'close': {
      const err = ev['error'] as { error?: { message?: unknown }; message?: unknown } | null | undefined;
      return { type, createdAt, reason: str(ev['reason']), error: err ? (str(err.error?.message) ?? str(err.message) ?? 'error') : null };
    }
    default:
      return { type: 'other', name: type, createdAt, payload: toPlainObject(ev, 3, EVENT_ENVELOPE) };
  }
}

/** A chat item: a message's text and metrics, a handoff's new agent, any other item as a plain copy. */
function itemOf(item: unknown): ItemSnapshot | null {
  if (!item || typeof item !== 'object') return null;
  const it = item as Record<string, unknown>;
  if (it['type'] === 'agent_handoff') return { type: 'agent_handoff', newAgentId: str(it['newAgentId']) };
  // As deep as toPlain(item) (depth 4, the item itself one level).
  if (it['type'] !== 'message') return { type: 'other', item: toPlainObject(it, 3) };
  const metrics = it['metrics'];
  return {
    type: 'message',
    id: str(it['id']),
    role: str(it['role']),
    content: textOf(it['content']),
    createdAt: num(it['createdAt']),
    interrupted: it['interrupted'] === true,
    transcriptConfidence: num(it['transcriptConfidence']),
    // The message's metrics report: LiveKit replaces it, never changes it (the mapper reads its numbers).
    metrics: metrics && typeof metrics === 'object' ? (metrics as Record<string, unknown>) : {},
  };
}

function listOf<T>(value: unknown, copy: (v: Record<string, unknown>) => T): T[] {
  if (!Array.isArray(value)) return [];
  const out: T[] = [];
  for (const v of value) out.push(copy(v && typeof v === 'object' ? (v as Record<string, unknown>) : {}));
  return out;
}

/** An error event: its error's text and the name of the component it came from (a live LLM/STT/TTS instance). */
function errorOf(ev: SessionEventLike, createdAt: unknown): SessionEventSnapshot {
  const e = (ev['error'] ?? {}) as Record<string, unknown>;
  const inner = e['error'] as { message?: unknown; name?: unknown } | undefined;
  return {
    type: 'error',
    createdAt,
    source: sourceName(ev['source']),
    errorType: str(e['type']) ?? str(inner?.name) ?? null,
    message: str(inner?.message) ?? str(e['message']) ?? 'unknown error',
    recoverable: e['recoverable'] === true,
  };
}

/** The name of the component an error came from: its `label` (a method on LiveKit's LLM/STT/TTS), else its class name. */
function sourceName(source: unknown): string | null {
  if (typeof source === 'string') return str(source);
  if (!source || typeof source !== 'object') return null;
  const s = source as { label?: unknown; constructor?: { name?: unknown } };
  try {
    const label = typeof s.label === 'function' ? str((s.label as () => unknown).call(s)) : str(s.label);
    if (label) return label;
  } catch {
    // A label that throws: fall back to the class name.
  }
  const name = str(s.constructor?.name);
  return name && name !== 'Object' ? name : null;
}

/** The text of a ChatMessage's content (strings joined; images and audio left out). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return str(content) ?? '';
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const c of content) {
    if (typeof c === 'string') parts.push(str(c) ?? '');
    else if (c && typeof c === 'object' && typeof (c as { text?: unknown }).text === 'string')
      parts.push(str((c as { text: string }).text) ?? '');
  }
  return parts.join('\n');
}
