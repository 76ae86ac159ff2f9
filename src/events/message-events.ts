/** The factories of what was said in a conversation: messages, tool calls, and the quality scores given to them. */
import * as c from './check.js';
import { when, callOf, type Args } from './envelope.js';
import { EVENT_SCHEMA_VERSION, type MessageAddedData, type NewEventOf, type QualityScoredData, type ToolExecutedData } from './types.js';

const ROLES: ReadonlySet<string> = new Set(['user', 'assistant', 'system', 'tool']);
const CUT_BY: ReadonlySet<string> = new Set(['user', 'session_close']);

export type MessageAddedArgs = Args<MessageAddedData, 'messageId' | 'conversationId' | 'role' | 'content'>;

/**
 * A `message_added` event: one message of a transcript. Usage counts toward the conversation
 * totals (`usageCounted`) unless told otherwise; nothing is interrupted or implausible by default.
 *
 * @example
 * ```ts
 * const event = createMessageAddedEvent({ callId: 'call-1', conversationId, messageId, role: 'user', content: 'Hello?' });
 * ```
 */
export function createMessageAddedEvent(a: MessageAddedArgs): NewEventOf<'message_added'> {
  return {
    type: 'message_added',
    callId: callOf(a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      messageId: c.id('messageId', a.messageId),
      conversationId: c.id('conversationId', a.conversationId),
      role: c.oneOf('role', a.role, ROLES, 'user'),
      content: c.text('content', a.content),
      createdAt: c.timestampOrNull('createdAt', a.createdAt),
      sttConfidence: c.numberOrNull('sttConfidence', a.sttConfidence),
      processingTimeMs: c.numberOrNull('processingTimeMs', a.processingTimeMs),
      llmModel: c.textOrNull('llmModel', a.llmModel),
      llmTokensInput: c.numberOrNull('llmTokensInput', a.llmTokensInput),
      llmTokensOutput: c.numberOrNull('llmTokensOutput', a.llmTokensOutput),
      llmCostUsd: c.numberOrNull('llmCostUsd', a.llmCostUsd),
      usageCounted: c.flag('usageCounted', a.usageCounted, true),
      interrupted: c.flag('interrupted', a.interrupted, false),
      // Left out (undefined) unless given: messages logged before the field existed have none.
      interruptedBy:
        a.interruptedBy === undefined || a.interruptedBy === null
          ? a.interruptedBy
          : c.oneOf('interruptedBy', a.interruptedBy, CUT_BY, 'user'),
      language: c.textOrNull('language', a.language),
      itemId: c.textOrNull('itemId', a.itemId),
      slaThresholdMs: c.numberOrNull('slaThresholdMs', a.slaThresholdMs),
      implausible: c.flag('implausible', a.implausible, false),
      metadata: c.objectOrNull('metadata', a.metadata),
    },
  };
}

export type ToolExecutedArgs = Args<ToolExecutedData, 'messageId' | 'conversationId' | 'name'>;

/** A `tool_executed` event: one function tool call and its output (`arguments` empty by default). */
export function createToolExecutedEvent(a: ToolExecutedArgs): NewEventOf<'tool_executed'> {
  return {
    type: 'tool_executed',
    callId: callOf(a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      messageId: c.id('messageId', a.messageId),
      conversationId: c.id('conversationId', a.conversationId),
      toolCallId: c.textOrNull('toolCallId', a.toolCallId),
      name: c.text('name', a.name),
      arguments: a.arguments === undefined ? '' : c.text('arguments', a.arguments),
      output: c.textOrNull('output', a.output),
      isError: c.flag('isError', a.isError, false),
      durationMs: c.numberOrNull('durationMs', a.durationMs),
      createdAt: c.timestampOrNull('createdAt', a.createdAt),
    },
  };
}

export type QualityScoredArgs = Args<QualityScoredData, 'conversationId'>;

/** A `quality_scored` event: relevance and/or satisfaction scores, on any scale. */
export function createQualityScoredEvent(a: QualityScoredArgs): NewEventOf<'quality_scored'> {
  return {
    type: 'quality_scored',
    callId: callOf(a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      conversationId: c.id('conversationId', a.conversationId),
      messageId: c.idOrNull('messageId', a.messageId),
      relevanceScore: c.numberOrNull('relevanceScore', a.relevanceScore),
      satisfactionScore: c.numberOrNull('satisfactionScore', a.satisfactionScore),
    },
  };
}
