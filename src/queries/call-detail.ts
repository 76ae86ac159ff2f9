import type { DataSource } from 'typeorm';
import type { JsonValue, MessageRole, Severity, TurnOutcome } from '../events/types.js';
import { decodeContent } from '../projections/messages.js';
import { summarize, type PercentileSummary } from '../projections/percentile.js';
import { MAX_PLAUSIBLE_MS } from '../projections/rules.js';
import { getCallAnalysis, getCallOutcome, type CallAnalysis, type CallOutcomeRecord } from './call-analysis.js';
import { getCallListRow, type CallListRow } from './call-list.js';
import { getRecording, type CallRecording } from './recordings.js';
import { bool, boolOrNull, json, num, select, str, wholeNumber } from './sql.js';

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

/** A user, assistant, system or tool message. Tool messages carry the call's name, arguments and output (`content`). */
export interface CallMessage {
  id: string;
  conversationId: string;
  position: number;
  role: MessageRole;
  content: string;
  createdAt: number;
  sttConfidence: number | null;
  /** Response time for assistant messages; run time for tool calls (ms). */
  processingTimeMs: number | null;
  llmModel: string | null;
  llmTokensInput: number | null;
  llmTokensOutput: number | null;
  llmCostUsd: number | null;
  interrupted: boolean;
  slaViolation: boolean;
  implausible: boolean;
  language: string | null;
  toolName: string | null;
  toolCallId: string | null;
  toolArguments: string | null;
  toolIsError: boolean | null;
}

/** One turn's latency waterfall (ms). */
export interface CallTurn {
  id: string;
  conversationId: string;
  userMessageId: string | null;
  assistantMessageId: string | null;
  startedAt: number;
  endOfTurnDelayMs: number | null;
  transcriptionDelayMs: number | null;
  onUserTurnCompletedDelayMs: number | null;
  llmTtftMs: number | null;
  ttsTtfbMs: number | null;
  playbackLatencyMs: number | null;
  e2eLatencyMs: number | null;
  e2eDerived: boolean;
  unattributedMs: number | null;
  outcome: TurnOutcome;
  implausible: boolean;
  slaViolation: boolean;
  costUsd: number | null;
  /** The models that served the turn, as its metrics reported them. */
  llmModel: string | null;
  sttModel: string | null;
  ttsModel: string | null;
  /** The latency heard in the recording (user speech end → agent speech start, ms), once measured. */
  heardLatencyMs: number | null;
  /** Where the user's speech ended and the reply began in the recording (ms UTC). */
  heardUserEndAt: number | null;
  heardAgentStartAt: number | null;
  /** Heard and reported end-to-end latency differ by more than the threshold. */
  heardMismatch: boolean;
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
  const messages = await select<Record<string, unknown>>(
    dataSource,
    `SELECT * FROM messages WHERE call_id = ? ORDER BY created_at, event_position LIMIT ${messageLimit}`,
    [callId],
  );
  const turns = await select<Record<string, unknown>>(dataSource, 'SELECT * FROM turns WHERE call_id = ? ORDER BY started_at, id', [
    callId,
  ]);
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
  for (const m of messages) if (m['role'] === 'assistant') addModel('llm', null, str(m['llm_model']));
  const agents = [
    ...new Set([str(row.agentName), ...conversations.map((c) => str(c['agent_name']))].filter((a): a is string => a !== null && a !== '')),
  ];
  const stageOf = (col: string) =>
    summarize(
      turns
        .filter((t) => !bool(t['implausible']))
        .map((t) => num(t[col]))
        .filter((v): v is number => v !== null && v >= 0 && v <= MAX_PLAUSIBLE_MS),
    );
  const latency = {
    e2e: stageOf('e2e_latency_ms'),
    endOfTurn: stageOf('end_of_turn_delay_ms'),
    transcription: stageOf('transcription_delay_ms'),
    llmTtft: stageOf('llm_ttft_ms'),
    ttsTtfb: stageOf('tts_ttfb_ms'),
    playback: stageOf('playback_latency_ms'),
    heard: stageOf('heard_latency_ms'),
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
    messages: messages.map((m) => ({
      id: String(m['id']),
      conversationId: String(m['conversation_id']),
      position: Number(m['event_position']),
      role: m['role'] as MessageRole,
      content: decodeContent(String(m['content']), str(m['content_encoding'])),
      createdAt: Number(m['created_at']),
      sttConfidence: num(m['stt_confidence']),
      processingTimeMs: num(m['processing_time_ms']),
      llmModel: str(m['llm_model']),
      llmTokensInput: num(m['llm_tokens_input']),
      llmTokensOutput: num(m['llm_tokens_output']),
      llmCostUsd: num(m['llm_cost_usd']),
      interrupted: bool(m['interrupted']),
      slaViolation: bool(m['sla_violation']),
      implausible: bool(m['implausible']),
      language: str(m['language']),
      toolName: str(m['tool_name']),
      toolCallId: str(m['tool_call_id']),
      toolArguments: str(m['tool_arguments']),
      toolIsError: boolOrNull(m['tool_is_error']),
    })),
    turns: turns.map((t) => ({
      id: String(t['id']),
      conversationId: String(t['conversation_id']),
      userMessageId: str(t['user_message_id']),
      assistantMessageId: str(t['assistant_message_id']),
      startedAt: Number(t['started_at']),
      endOfTurnDelayMs: num(t['end_of_turn_delay_ms']),
      transcriptionDelayMs: num(t['transcription_delay_ms']),
      onUserTurnCompletedDelayMs: num(t['on_user_turn_completed_delay_ms']),
      llmTtftMs: num(t['llm_ttft_ms']),
      ttsTtfbMs: num(t['tts_ttfb_ms']),
      playbackLatencyMs: num(t['playback_latency_ms']),
      e2eLatencyMs: num(t['e2e_latency_ms']),
      e2eDerived: bool(t['e2e_derived']),
      unattributedMs: num(t['unattributed_ms']),
      outcome: t['outcome'] as TurnOutcome,
      implausible: bool(t['implausible']),
      slaViolation: bool(t['sla_violation']),
      costUsd: num(t['cost_usd']),
      llmModel: str(t['llm_model']),
      sttModel: str(t['stt_model']),
      ttsModel: str(t['tts_model']),
      heardLatencyMs: num(t['heard_latency_ms']),
      heardUserEndAt: num(t['heard_user_end_at']),
      heardAgentStartAt: num(t['heard_agent_start_at']),
      heardMismatch: bool(t['heard_mismatch']),
    })),
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
