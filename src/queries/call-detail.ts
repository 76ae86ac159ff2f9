import type { DataSource } from 'typeorm';
import { MESSAGES, TURNS, type MessageRow, type TurnRow } from '../../entities/tables.js';
import type { JsonValue, MessageRole, Severity, TurnOutcome } from '../events/types.js';
import { decodeContent } from '../projections/messages.js';
import { summarize, type PercentileSummary } from '../projections/percentile.js';
import { MAX_PLAUSIBLE_MS } from '../projections/rules.js';
import { getCallAnalysis, getCallOutcome, type CallAnalysis, type CallOutcomeRecord } from './call-analysis.js';
import { getCallListRow, type CallListRow } from './call-list.js';
import { getRecording, type CallRecording } from './recordings.js';
import { json, num, select, str, wholeNumber } from './sql.js';

/** One conversation of a call. */
export interface CallConversation {
  id: string;
  agentName: string | null;
  aiModel: string | null;
  startedAt: number;
  endedAt: number | null;
  summary: string | null;
  slaThresholdMs: number | null;
  costUsd: { llm: number; stt: number; tts: number; realtime: number; total: number };
  falseInterruptions: number;
  /** Short sha256 of the agent's instructions and tool names, when recorded. */
  instructionsHash: string | null;
  /** Averages of the `recordQuality` scores given, with how many (null averages when none). */
  quality: { relevanceAvg: number | null; relevanceCount: number; satisfactionAvg: number | null; satisfactionCount: number };
}

/**
 * A user, assistant, system or tool message: its `messages` row as `MessageEntity` declares
 * it, but the call, item id and metadata, with its log position as `position` and its content
 * decoded. Tool messages carry the call's name, arguments and output (`content`);
 * `processingTimeMs` is the response time of an assistant message, the run time of a tool call (ms).
 */
export interface CallMessage extends Omit<MessageRow, 'callId' | 'eventPosition' | 'contentEncoding' | 'itemId' | 'metadata' | 'role'> {
  position: number;
  role: MessageRole;
}

/** The columns of a message its {@link CallMessage} is read from. */
const CALL_MESSAGE = MESSAGES.omit('callId', 'itemId', 'metadata');

function toCallMessage(stored: Readonly<Record<string, unknown>>): CallMessage {
  const { id, conversationId, eventPosition, role, content, contentEncoding, ...rest } = CALL_MESSAGE.read(stored);
  return {
    id,
    conversationId,
    position: eventPosition,
    role: role as MessageRole,
    content: decodeContent(content, contentEncoding),
    ...rest,
  };
}

/**
 * One turn's latency waterfall (ms): its `turns` row as `TurnEntity` declares it, but the
 * call. `heardLatencyMs` (user speech end → agent speech start in the recording, with where each
 * is, ms UTC) is null until the recording is measured; `heardMismatch` marks a heard latency that
 * differs from the reported end-to-end one by more than the threshold.
 */
export interface CallTurn extends Omit<TurnRow, 'callId' | 'outcome'> {
  outcome: TurnOutcome;
}

const CALL_TURN = TURNS.omit('callId');

function toCallTurn(stored: Readonly<Record<string, unknown>>): CallTurn {
  const t = CALL_TURN.read(stored);
  return { ...t, outcome: t.outcome as TurnOutcome };
}

/** An operational event of the call (errors, SLA violations, failures, your own `logEvent`s). */
export interface CallSystemEvent {
  id: string;
  position: number;
  eventType: string;
  severity: Severity;
  message: string;
  component: string | null;
  conversationId: string | null;
  count: number;
  metadata: JsonValue;
  createdAt: number;
}

/** One event of the call's stream as it is in the log. */
export interface LogEvent {
  position: number;
  eventId: string;
  callId: string | null;
  streamPosition: number | null;
  type: string;
  schemaVersion: number;
  occurredAt: number;
  recordedAt: number;
  data: JsonValue;
}

export interface CallDetail {
  call: CallListRow & {
    jobId: string | null;
    agentId: string | null;
    agentsVersion: string | null;
    error: string | null;
    metadata: JsonValue;
  };
  conversations: CallConversation[];
  messages: CallMessage[];
  turns: CallTurn[];
  systemEvents: CallSystemEvent[];
  /** The call's stream from the log, oldest first, at most `eventLimit` events. */
  events: LogEvent[];
  /** How many events the stream holds in all. */
  eventCount: number;
  /** The agents that spoke in the call, in order of their first conversation. */
  agents: string[];
  /** Per-stage latency of the call's plausible turns (ms), as `latencyPercentiles` summarises a window. */
  latency: Record<'e2e' | 'endOfTurn' | 'transcription' | 'llmTtft' | 'ttsTtfb' | 'playback' | 'heard', PercentileSummary>;
  /** The models that served the call, per component, as the usage metrics and messages name them. */
  models: CallModel[];
  /** The post-call analysis (summary, verdict, fields), or why it failed; null when the call has none. */
  analysis: CallAnalysis | null;
  /** The agent's tags on the call, sorted. */
  tags: string[];
  /** The agent's own outcome of the call (`handle.outcome()`), or null. */
  outcome: CallOutcomeRecord | null;
  /** The call's audio recording, when one was linked (`recording_available`). */
  recording: CallRecording | null;
}

/** One model that served a call: `llm`, `stt`, `tts` or `realtime`, with its provider when known. */
export interface CallModel {
  kind: string;
  provider: string | null;
  model: string;
}

export function toLogEvent(r: Record<string, unknown>): LogEvent {
  return {
    position: Number(r['position']),
    eventId: String(r['event_id']),
    callId: str(r['call_id']),
    streamPosition: num(r['stream_position']),
    type: String(r['type']),
    schemaVersion: Number(r['schema_version']),
    occurredAt: Number(r['occurred_at']),
    recordedAt: Number(r['recorded_at']),
    data: json(r['data']),
  };
}

/**
 * Everything recorded about one call: its figures, conversations, transcript (with tool calls),
 * turn waterfalls, operational events and the raw event stream. Null when there is no such call.
 */
export async function getCallDetail(
  dataSource: DataSource,
  callId: string,
  options: { eventLimit?: number; messageLimit?: number } = {},
): Promise<CallDetail | null> {
  const eventLimit = options.eventLimit === undefined ? 5000 : wholeNumber('eventLimit', options.eventLimit, 1, Number.MAX_SAFE_INTEGER);
  const messageLimit =
    options.messageLimit === undefined ? 5000 : wholeNumber('messageLimit', options.messageLimit, 1, Number.MAX_SAFE_INTEGER);
  const row = await getCallListRow(dataSource, callId);
  if (row === null) return null;
  const [extra] = await select<Record<string, unknown>>(
    dataSource,
    'SELECT job_id, agent_id, agents_version, error, metadata FROM calls WHERE id = ?',
    [callId],
  );
  const conversations = await select<Record<string, unknown>>(
    dataSource,
    `SELECT c.id, c.agent_name, c.ai_model, c.started_at, c.ended_at, c.summary, c.instructions_hash, m.sla_threshold_ms,
       m.llm_cost_usd, m.stt_cost_usd, m.tts_cost_usd, m.realtime_cost_usd, m.total_cost_usd, m.false_interruptions,
       m.relevance_avg, m.relevance_count, m.satisfaction_avg, m.satisfaction_count
     FROM conversations c LEFT JOIN conversation_metrics m ON m.conversation_id = c.id
     WHERE c.call_id = ? ORDER BY c.started_at, c.id`,
    [callId],
  );
  const messages = (
    await select<Record<string, unknown>>(
      dataSource,
      `SELECT * FROM messages WHERE call_id = ? ORDER BY created_at, event_position LIMIT ${messageLimit}`,
      [callId],
    )
  ).map(toCallMessage);
  const turns = (
    await select<Record<string, unknown>>(dataSource, 'SELECT * FROM turns WHERE call_id = ? ORDER BY started_at, id', [callId])
  ).map(toCallTurn);
  const systemEvents = await select<Record<string, unknown>>(
    dataSource,
    'SELECT * FROM system_events WHERE call_id = ? ORDER BY created_at, event_position, id',
    [callId],
  );
  const events = await select<Record<string, unknown>>(
    dataSource,
    `SELECT position, event_id, call_id, stream_position, type, schema_version, occurred_at, recorded_at, data
     FROM events WHERE call_id = ? ORDER BY position LIMIT ${eventLimit}`,
    [callId],
  );
  const [eventCount] = await select<{ n: unknown }>(dataSource, 'SELECT COUNT(*) AS n FROM events WHERE call_id = ?', [callId]);
  const usage = await select<{ data: unknown }>(
    dataSource,
    `SELECT data FROM events WHERE call_id = ? AND type = 'metrics_recorded' ORDER BY position`,
    [callId],
  );
  const models = new Map<string, CallModel>();
  const addModel = (kind: string, provider: string | null, model: string | null) => {
    if (model === null || model === '') return;
    const key = `${kind}\u0000${model}`;
    const known = models.get(key);
    if (known === undefined) models.set(key, { kind, provider, model });
    else if (known.provider === null && provider !== null) known.provider = provider;
  };
  for (const u of usage) {
    const d = json(u.data) as { kind?: unknown; model?: unknown; provider?: unknown } | null;
    if (d === null || typeof d.kind !== 'string' || !['llm', 'stt', 'tts', 'realtime'].includes(d.kind)) continue;
    addModel(d.kind, typeof d.provider === 'string' && d.provider !== '' ? d.provider : null, typeof d.model === 'string' ? d.model : null);
  }
  for (const c of conversations) addModel('llm', null, str(c['ai_model']));
  for (const m of messages) if (m.role === 'assistant') addModel('llm', null, m.llmModel);
  const agents = [
    ...new Set([str(row.agentName), ...conversations.map((c) => str(c['agent_name']))].filter((a): a is string => a !== null && a !== '')),
  ];
  const stageOf = (
    stage:
      'e2eLatencyMs' | 'endOfTurnDelayMs' | 'transcriptionDelayMs' | 'llmTtftMs' | 'ttsTtfbMs' | 'playbackLatencyMs' | 'heardLatencyMs',
  ) =>
    summarize(
      turns
        .filter((t) => !t.implausible)
        .map((t) => t[stage])
        .filter((v): v is number => v !== null && v >= 0 && v <= MAX_PLAUSIBLE_MS),
    );
  const latency = {
    e2e: stageOf('e2eLatencyMs'),
    endOfTurn: stageOf('endOfTurnDelayMs'),
    transcription: stageOf('transcriptionDelayMs'),
    llmTtft: stageOf('llmTtftMs'),
    ttsTtfb: stageOf('ttsTtfbMs'),
    playback: stageOf('playbackLatencyMs'),
    heard: stageOf('heardLatencyMs'),
  };
  const recording = await getRecording(dataSource, callId);
  return {
    agents,
    latency,
    models: [...models.values()],
    analysis: await getCallAnalysis(dataSource, callId),
    tags: row.tags,
    outcome: await getCallOutcome(dataSource, callId),
    recording,
    call: {
      ...row,
      jobId: str(extra?.['job_id']),
      agentId: str(extra?.['agent_id']),
      agentsVersion: str(extra?.['agents_version']),
      error: str(extra?.['error']),
      metadata: json(extra?.['metadata']),
    },
    conversations: conversations.map((c) => ({
      id: String(c['id']),
      agentName: str(c['agent_name']),
      aiModel: str(c['ai_model']),
      startedAt: Number(c['started_at']),
      endedAt: num(c['ended_at']),
      summary: str(c['summary']),
      slaThresholdMs: num(c['sla_threshold_ms']),
      costUsd: {
        llm: Number(c['llm_cost_usd'] ?? 0),
        stt: Number(c['stt_cost_usd'] ?? 0),
        tts: Number(c['tts_cost_usd'] ?? 0),
        realtime: Number(c['realtime_cost_usd'] ?? 0),
        total: Number(c['total_cost_usd'] ?? 0),
      },
      falseInterruptions: Number(c['false_interruptions'] ?? 0),
      instructionsHash: str(c['instructions_hash']),
      quality: {
        relevanceAvg: num(c['relevance_avg']),
        relevanceCount: Number(c['relevance_count'] ?? 0),
        satisfactionAvg: num(c['satisfaction_avg']),
        satisfactionCount: Number(c['satisfaction_count'] ?? 0),
      },
    })),
    messages,
    turns,
    systemEvents: systemEvents.map((s) => ({
      id: String(s['id']),
      position: Number(s['event_position']),
      eventType: String(s['event_type']),
      severity: s['severity'] as Severity,
      message: String(s['message']),
      component: str(s['component']),
      conversationId: str(s['conversation_id']),
      count: Number(s['count'] ?? 1),
      metadata: json(s['metadata']),
      createdAt: Number(s['created_at']),
    })),
    events: events.map(toLogEvent),
    eventCount: Number(eventCount?.n ?? 0),
  };
}
