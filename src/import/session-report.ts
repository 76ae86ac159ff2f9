import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { NewEvent } from '../events/types.js';
import { ConversationLogError, invalidArgument } from '../errors.js';
import { SessionMapper, type SessionEventLike } from '../plugin/mapper.js';
import { costOf, DEFAULT_PRICING, type PricingTable, type UsageKind } from '../plugin/pricing.js';
import { toPlainObject } from '../plugin/plain.js';
import {
  createCallStartedEvent,
  createConversationStartedEvent,
  createMetricsRecordedEvent,
  createRecordingAvailableEvent,
} from '../events/create.js';

/**
 * A LiveKit `SessionReport` as agents-js (`sessionReportToJSON`) and the Python SDK
 * (`SessionReport.to_dict()`) serialise it: snake_case keys, `events` (session events, metrics
 * left out), `chat_history.items`, `job_id`, `room_id`, `room`, `timestamp`, `sdk_version`, and
 * `usage`: the session's token, audio and character totals, one entry per provider and model
 * (`llm_usage`, `stt_usage`, `tts_usage`, ...; zero fields left out, durations in seconds).
 */
export interface SessionReportJson {
  job_id?: string;
  room_id?: string;
  room?: string;
  events?: unknown[];
  chat_history?: { items?: unknown[] };
  timestamp?: number;
  started_at?: number;
  sdk_version?: string;
  usage?: unknown[] | null;
  [key: string]: unknown;
}

export interface ImportedReport {
  callId: string;
  room: string | null;
  /** The events to append, in order (call_started first, call_ended last). */
  events: NewEvent[];
}

/** snake_case → camelCase (and Python's `arguments` → agents-js `args`), deep; `extra` kept as is. */
function camelize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelize);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = k === 'arguments' ? 'args' : k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    // defineProperty: a "__proto__" key in a hostile file stays plain data.
    Object.defineProperty(out, key, { value: k === 'extra' ? v : camelize(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Python writes times in seconds, agents-js in milliseconds: anything before 1973 in ms is seconds. */
const toMs = (t: unknown): number | null => (typeof t === 'number' && Number.isFinite(t) ? (t < 1e11 ? t * 1000 : t) : null);

function normaliseTimes(item: Record<string, unknown>): Record<string, unknown> {
  const out = { ...item };
  if ('createdAt' in out) out['createdAt'] = toMs(out['createdAt']);
  return out;
}

/**
 * The events a SessionReport stands for, through the same mapper the plugin uses: so a call
 * recorded before the plugin was installed, or by a Python agent, lands in the same projections.
 *
 * @remarks
 * Uses the report's session events when they hold the conversation items; otherwise rebuilds
 * them from `chat_history` (messages, handoffs, and tool calls paired with their outputs by
 * order and name: call ids repeat — LiveKit's FakeLLM always says `fake_call_0`, the OpenAI
 * Responses plugin can say `''` — so each call takes the first output after it with its name,
 * preferring one with its id). Reports leave out metrics events; the report's `usage` totals
 * are recorded instead, one `metrics_recorded` event per provider and model, priced with
 * `pricing` (the default table when not given), in the call's last conversation. When the
 * report's events do carry metrics, those are used and `usage` is not counted again. The
 * report's `audio_recording_path` (with `audio_recording_started_at`) is linked as the call's
 * recording (`recording_available`), a relative path resolved against `recordingBaseDir` when
 * given; its size and duration are left unknown (the CLI's import reads them from the file).
 * @throws ConversationLogError `INVALID_ARGUMENT` when the JSON is not a session report.
 */
export function sessionReportEvents(
  raw: unknown,
  options: { callId?: string; pricing?: PricingTable; recordingBaseDir?: string } = {},
): ImportedReport {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw invalidArgument('report', 'must be a JSON object (a LiveKit SessionReport).');
  const r = raw as SessionReportJson;
  if (!Array.isArray(r.events) && !Array.isArray(r.chat_history?.items))
    throw invalidArgument('report', 'has neither "events" nor "chat_history.items": is it a LiveKit SessionReport?');
  const events = (Array.isArray(r.events) ? r.events : []).map((e) => camelize(e) as Record<string, unknown>);
  const items = (r.chat_history?.items ?? []).map((i) => normaliseTimes(camelize(i) as Record<string, unknown>));
  const callId = options.callId ?? str(r.job_id) ?? str(r.room_id) ?? str(r.room) ?? randomUUID();
  const room = str(r.room);

  const sessionEvents: SessionEventLike[] = events
    .filter((e) => typeof e['type'] === 'string')
    .map((e) => {
      const ev = { ...e, createdAt: toMs(e['createdAt']) ?? 0 } as SessionEventLike;
      if (ev['item'] && typeof ev['item'] === 'object') ev['item'] = normaliseTimes(ev['item'] as Record<string, unknown>);
      for (const key of ['functionCalls', 'functionCallOutputs'])
        if (Array.isArray(ev[key])) ev[key] = (ev[key] as Record<string, unknown>[]).map(normaliseTimes);
      return ev;
    });
  const hasItems = sessionEvents.some((e) => e.type === 'conversation_item_added');
  const stream = hasItems
    ? sessionEvents
    : [...fromChatHistory(items), ...sessionEvents.filter((e) => e.type !== 'function_tools_executed')];
  stream.sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0));

  const times = stream.map((e) => e.createdAt ?? 0).filter((t) => t > 0);
  const startedAt = toMs(r.started_at) ?? (times.length ? Math.min(...times) : (toMs(r.timestamp) ?? Date.now()));
  const endedAt = toMs(r.timestamp) ?? (times.length ? Math.max(...times) : startedAt);

  const pricing = options.pricing ?? DEFAULT_PRICING;
  const mapper = new SessionMapper({ callId, pricing });
  const out: NewEvent[] = [
    createCallStartedEvent({
      callId,
      occurredAt: startedAt,
      livekitRoom: room,
      jobId: str(r.job_id),
      agentsVersion: str(r.sdk_version),
      metadata: { importedFrom: 'livekit-session-report', roomId: str(r.room_id) },
    }),
  ];
  // The usage totals, unless the events carried the metrics they add up.
  const usage = stream.some((e) => e.type === 'metrics_collected') || !Array.isArray(r.usage) ? [] : r.usage;
  let usageDone = usage.length === 0;
  const addUsage = (at: number) => {
    usageDone = true;
    const conversationId = mapper.currentConversationId;
    const events = usage.flatMap((u) => usageEvent(u, callId, conversationId, pricing, at));
    if (events.length === 0) return;
    if (!out.some((e) => e.type === 'conversation_started' && e.data.conversationId === conversationId))
      out.push(createConversationStartedEvent({ callId, occurredAt: at, conversationId }));
    out.push(...events);
  };
  for (const ev of stream) {
    if (!usageDone && ev.type === 'close' && !mapper.isClosed) addUsage(toMs(ev.createdAt) ?? endedAt);
    out.push(...mapper.map(ev));
  }
  if (!mapper.isClosed) {
    if (!usageDone) addUsage(endedAt);
    out.push(...mapper.end('session_report', endedAt));
  }
  // A conversation the usage had to open is not opened again by the mapper.
  const opened = new Set<string>();
  const appended = out.filter((e) => {
    if (e.type !== 'conversation_started') return true;
    if (opened.has(e.data.conversationId)) return false;
    opened.add(e.data.conversationId);
    return true;
  });
  // The session's recording (`record: true`), as the report names it: linked after the call, as the plugin links it.
  const recordingPath = str(r['audio_recording_path']);
  const recordingStartedAt = toMs(r['audio_recording_started_at']);
  if (recordingPath !== null && recordingStartedAt !== null)
    appended.push(
      createRecordingAvailableEvent({
        callId,
        occurredAt: endedAt,
        path: options.recordingBaseDir === undefined ? recordingPath : path.resolve(options.recordingBaseDir, recordingPath),
        startedAt: Math.round(recordingStartedAt),
      }),
    );
  return { callId, room, events: appended };
}

const USAGE_KINDS: Record<string, 'llm' | 'stt' | 'tts'> = { llm_usage: 'llm', stt_usage: 'stt', tts_usage: 'tts' };
const count = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);

/**
 * The `metrics_recorded` event of one `usage` entry of a report (LLM, STT or TTS totals of one
 * provider and model), priced; none for other entries (interruption and turn-detection
 * request counts) or for one without a model.
 */
function usageEvent(entry: unknown, callId: string, conversationId: string, pricing: PricingTable, at: number): NewEvent[] {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return [];
  const u = camelize(entry) as Record<string, unknown>;
  const type = USAGE_KINDS[String(u['type'])];
  const model = str(u['model']);
  if (type === undefined || model === null) return [];
  const provider = str(u['provider']);
  // A realtime model reports LLM usage; its price is in the realtime table.
  const kind: UsageKind =
    type === 'llm' &&
    !Object.hasOwn(pricing.llm, model) &&
    (Object.hasOwn(pricing.realtime, model) || Object.hasOwn(pricing.realtime, `${provider}/${model}`))
      ? 'realtime'
      : type;
  const seconds = count(u['audioDuration']);
  const usage = {
    kind,
    provider,
    model,
    tokensInput: kind === 'llm' || kind === 'realtime' ? (count(u['inputTokens']) ?? 0) : null,
    tokensCachedInput: kind === 'llm' || kind === 'realtime' ? (count(u['inputCachedTokens']) ?? 0) : null,
    tokensOutput: kind === 'llm' || kind === 'realtime' ? (count(u['outputTokens']) ?? 0) : null,
    audioDurationMs: seconds === null ? null : seconds * 1000,
    characters: kind === 'tts' ? (count(u['charactersCount']) ?? 0) : null,
  };
  return [
    createMetricsRecordedEvent({
      callId,
      occurredAt: at,
      conversationId,
      ...usage,
      costUsd: costOf(pricing, usage),
      priceVersion: pricing.version,
      raw: { ...toPlainObject(entry as Record<string, unknown>), source: 'session_report_usage' },
    }),
  ];
}

/** Session events rebuilt from a chat history: one per message or handoff, tool calls paired with their outputs. */
function fromChatHistory(items: Record<string, unknown>[]): SessionEventLike[] {
  const out: SessionEventLike[] = [];
  const outputs = items.flatMap((item, index) => (item['type'] === 'function_call_output' ? [{ item, index }] : []));
  const used = new Set<number>();
  /** The first unused output that `fits`, and marks it used. */
  const take = (fits: (o: { item: Record<string, unknown>; index: number }) => boolean) => {
    const o = outputs.find((x) => !used.has(x.index) && fits(x));
    if (o) used.add(o.index);
    return o?.item;
  };
  items.forEach((item, index) => {
    const at = (item['createdAt'] as number | null) ?? 0;
    if (item['type'] === 'message' || item['type'] === 'agent_handoff') out.push({ type: 'conversation_item_added', item, createdAt: at });
    else if (item['type'] === 'function_call') {
      // Ids repeat ('fake_call_0', ''): the first output after the call with its name, its id if one has it.
      const sameName = (o: { item: Record<string, unknown> }) => o.item['name'] === undefined || o.item['name'] === item['name'];
      const sameId = (o: { item: Record<string, unknown> }) => o.item['callId'] === item['callId'];
      const output =
        take((o) => o.index > index && sameName(o) && sameId(o)) ??
        take((o) => o.index > index && sameName(o)) ??
        take((o) => sameName(o) && sameId(o));
      out.push({ type: 'function_tools_executed', functionCalls: [item], functionCallOutputs: output ? [output] : [], createdAt: at });
    }
  });
  return out;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** Parses a report file's text. @throws ConversationLogError `INVALID_ARGUMENT` for invalid JSON. */
export function parseReport(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConversationLogError(
      'INVALID_ARGUMENT',
      `${file} is not valid JSON (${(error as Error).message}). Pass a SessionReport JSON file.`,
      {
        field: 'report',
      },
    );
  }
}
