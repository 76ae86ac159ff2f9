import { randomUUID } from 'node:crypto';
import type { NewEvent } from '../events/types.js';
import { ConversationLogError, invalidArgument } from '../errors.js';
import { SessionMapper, type SessionEventLike } from '../plugin/mapper.js';
import type { PricingTable } from '../plugin/pricing.js';
import { createCallStartedEvent } from '../events/create.js';

/**
 * A LiveKit `SessionReport` as agents-js (`sessionReportToJSON`) and the Python SDK
 * (`SessionReport.to_dict()`) serialise it: snake_case keys, `events` (session events, metrics
 * left out), `chat_history.items`, `job_id`, `room_id`, `room`, `timestamp`, `sdk_version`.
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
 * them from `chat_history` (messages, tool calls paired with their outputs, handoffs). Reports
 * leave out metrics events, so costs come only from what the items carry.
 * @throws ConversationLogError `INVALID_ARGUMENT` when the JSON is not a session report.
 */
export function sessionReportEvents(raw: unknown, options: { callId?: string; pricing?: PricingTable } = {}): ImportedReport {
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

  const mapper = new SessionMapper({ callId, ...(options.pricing ? { pricing: options.pricing } : {}) });
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
  for (const ev of stream) out.push(...mapper.map(ev));
  if (!mapper.isClosed) out.push(...mapper.end('session_report', endedAt));
  return { callId, room, events: out };
}

/** Session events rebuilt from a chat history: one per message or handoff, tool calls paired with their outputs. */
function fromChatHistory(items: Record<string, unknown>[]): SessionEventLike[] {
  const out: SessionEventLike[] = [];
  const outputs = new Map(items.filter((i) => i['type'] === 'function_call_output').map((i) => [i['callId'], i]));
  for (const item of items) {
    const at = (item['createdAt'] as number | null) ?? 0;
    if (item['type'] === 'message' || item['type'] === 'agent_handoff') out.push({ type: 'conversation_item_added', item, createdAt: at });
    else if (item['type'] === 'function_call') {
      const output = outputs.get(item['callId']);
      out.push({ type: 'function_tools_executed', functionCalls: [item], functionCallOutputs: output ? [output] : [], createdAt: at });
    }
  }
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
