import type { DataSource } from 'typeorm';
import { getCallAnalysis } from './call-analysis.js';
import type { JsonValue } from '../events/types.js';
import { getCallDetail, type CallConversation, type CallDetail, type CallMessage, type CallModel, type CallTurn } from './call-detail.js';

/** The version of the {@link CallReport} shape; a change a receiver must know about raises it. */
export const CALL_REPORT_VERSION = 1;

/** One line of a report's transcript: who said what, when (tool calls with their name, arguments and output). */
export interface CallReportMessage {
  conversationId: string;
  role: CallMessage['role'];
  content: string;
  createdAt: number;
  interrupted: boolean;
  toolName: string | null;
  toolArguments: string | null;
  toolIsError: boolean | null;
}

/** One turn of a report: its latency per stage (ms) and cost. */
export type CallReportTurn = Pick<
  CallTurn,
  | 'id'
  | 'conversationId'
  | 'startedAt'
  | 'endOfTurnDelayMs'
  | 'transcriptionDelayMs'
  | 'onUserTurnCompletedDelayMs'
  | 'llmTtftMs'
  | 'ttsTtfbMs'
  | 'playbackLatencyMs'
  | 'e2eLatencyMs'
  | 'outcome'
  | 'slaViolation'
  | 'costUsd'
  | 'llmModel'
  | 'sttModel'
  | 'ttsModel'
>;

/**
 * What a webhook receives about a call: the call, its conversations, its turns' latency per
 * stage and cost, the transcript when the endpoint asked for it, and the analysis once there is one.
 */
export interface CallReport {
  version: typeof CALL_REPORT_VERSION;
  call: Omit<CallDetail['call'], 'lastEventAt'>;
  conversations: CallConversation[];
  /** The messages of every conversation, oldest first; null when the endpoint does not take transcripts. */
  transcript: CallReportMessage[] | null;
  turns: CallReportTurn[];
  /** Per-stage latency over the call's plausible turns (ms). */
  latency: CallDetail['latency'];
  /** Priced usage over the call's conversations (USD); `unpricedUsage` > 0 means some usage had no known price. */
  cost: { llm: number; stt: number; tts: number; realtime: number; total: number; unpricedUsage: number };
  models: CallModel[];
  /** The post-call analysis (summary, verdict, extracted fields); null until one completes. */
  analysis: JsonValue;
}

/**
 * The analysis section of a call's report: the call's stored post-call analysis (summary,
 * verdict and reason, fields, model, tokens, cost; or why it failed), as `getCallAnalysis`
 * reads it; null until one is stored.
 */
export async function reportAnalysis(dataSource: DataSource, callId: string): Promise<JsonValue> {
  const analysis = await getCallAnalysis(dataSource, callId);
  return analysis === null ? null : (JSON.parse(JSON.stringify(analysis)) as JsonValue);
}

const round = (v: number): number => Math.round(v * 1e9) / 1e9;

/**
 * The report of a call, as webhooks post it; null when there is no such call (deleted by retention).
 *
 * @param options.includeTranscript put the messages in `transcript` (default false: null)
 */
export async function getCallReport(
  dataSource: DataSource,
  callId: string,
  options: { includeTranscript?: boolean } = {},
): Promise<CallReport | null> {
  const detail = await getCallDetail(dataSource, callId, { eventLimit: 1, messageLimit: 100_000 });
  if (detail === null) return null;
  const { lastEventAt: _lastEventAt, ...call } = detail.call;
  const cost = { llm: 0, stt: 0, tts: 0, realtime: 0, total: 0 };
  for (const c of detail.conversations) for (const k of ['llm', 'stt', 'tts', 'realtime', 'total'] as const) cost[k] += c.costUsd[k];
  return {
    version: CALL_REPORT_VERSION,
    call,
    conversations: detail.conversations,
    transcript:
      options.includeTranscript === true
        ? detail.messages.map((m) => ({
            conversationId: m.conversationId,
            role: m.role,
            content: m.content,
            createdAt: m.createdAt,
            interrupted: m.interrupted,
            toolName: m.toolName,
            toolArguments: m.toolArguments,
            toolIsError: m.toolIsError,
          }))
        : null,
    turns: detail.turns.map((t) => ({
      id: t.id,
      conversationId: t.conversationId,
      startedAt: t.startedAt,
      endOfTurnDelayMs: t.endOfTurnDelayMs,
      transcriptionDelayMs: t.transcriptionDelayMs,
      onUserTurnCompletedDelayMs: t.onUserTurnCompletedDelayMs,
      llmTtftMs: t.llmTtftMs,
      ttsTtfbMs: t.ttsTtfbMs,
      playbackLatencyMs: t.playbackLatencyMs,
      e2eLatencyMs: t.e2eLatencyMs,
      outcome: t.outcome,
      slaViolation: t.slaViolation,
      costUsd: t.costUsd,
      llmModel: t.llmModel,
      sttModel: t.sttModel,
      ttsModel: t.ttsModel,
    })),
    latency: detail.latency,
    cost: {
      llm: round(cost.llm),
      stt: round(cost.stt),
      tts: round(cost.tts),
      realtime: round(cost.realtime),
      total: round(cost.total),
      unpricedUsage: detail.call.unpricedUsage,
    },
    models: detail.models,
    analysis: await reportAnalysis(dataSource, callId),
  };
}
