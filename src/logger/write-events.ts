import { randomUUID } from 'node:crypto';
import type { EndedCallStatus, NewEvent } from '../events/types.js';
import type {
  LogAssistantMessageOptions,
  LogEventOptions,
  LogToolCallOptions,
  LogUserMessageOptions,
  StartCallOptions,
  StartConversationOptions,
} from './options.js';
import * as v from './validate.js';

/** The event of `startCall`, its arguments validated (throws `INVALID_ARGUMENT`), and what the call resolves with. */
export function startCallEvent(options: StartCallOptions = {}): [NewEvent, string] {
  const o = v.requireOptions('options', options);
  const callId = o['callId'] === undefined ? randomUUID() : v.requireId('callId', o['callId']);
  const event: NewEvent = {
    type: 'call_started',
    callId,
    occurredAt: v.optionalTimestamp('startedAt', o['startedAt']) ?? Date.now(),
    data: {
      callerNumber: v.optionalString('callerNumber', o['callerNumber'], { max: 255 }),
      livekitRoom: v.optionalString('livekitRoom', o['livekitRoom'], { max: 255 }),
      jobId: v.optionalId('jobId', o['jobId']),
      agentId: v.optionalId('agentId', o['agentId']),
      agentName: v.optionalString('agentName', o['agentName'], { max: 255 }),
      agentsVersion: v.optionalString('agentsVersion', o['agentsVersion'], { max: 64 }),
      metadata: v.optionalMetadata('metadata', o['metadata']),
    },
  };
  return [event, callId];
}

/** The event of `startConversation`, its arguments validated (throws `INVALID_ARGUMENT`), and what the call resolves with. */
export function startConversationEvent(options: StartConversationOptions): [NewEvent, string] {
  const o = v.requireOptions('options', options);
  const conversationId = randomUUID();
  const event: NewEvent = {
    type: 'conversation_started',
    callId: v.requireId('callId', o['callId']),
    occurredAt: Date.now(),
    data: {
      conversationId,
      aiModel: v.optionalString('aiModel', o['aiModel'], { max: 255 }),
      systemPrompt: v.optionalString('systemPrompt', o['systemPrompt'], { max: v.MAX_CONTENT_CHARS }),
      agentName: v.optionalString('agentName', o['agentName'], { max: 255 }),
      metadata: v.optionalMetadata('metadata', o['metadata']),
    },
  };
  return [event, conversationId];
}

/** The event of `logUserMessage`, its arguments validated (throws `INVALID_ARGUMENT`), and what the call resolves with. */
export function userMessageEvent(options: LogUserMessageOptions, slaThresholdMs: number): [NewEvent, string] {
  const o = v.requireOptions('options', options);
  const messageId = randomUUID();
  const now = Date.now();
  const event: NewEvent = {
    type: 'message_added',
    callId: null,
    occurredAt: now,
    data: {
      ...messageBase(o, messageId, 'user', slaThresholdMs),
      sttConfidence: v.optionalNumber('sttConfidence', o['sttConfidence'], 0, 1),
      processingTimeMs: v.optionalNumber('processingTimeMs', o['processingTimeMs'], 0, 8.64e7),
      language: v.optionalString('language', o['language'], { max: 32 }),
    },
  };
  return [event, messageId];
}

/** The event of `logAssistantMessage`, its arguments validated (throws `INVALID_ARGUMENT`), and what the call resolves with. */
export function assistantMessageEvent(options: LogAssistantMessageOptions, slaThresholdMs: number): [NewEvent, string] {
  const o = v.requireOptions('options', options);
  const messageId = randomUUID();
  const processingTimeMs = v.optionalNumber('processingTimeMs', o['processingTimeMs'], 0, 8.64e7);
  const event: NewEvent = {
    type: 'message_added',
    callId: null,
    occurredAt: Date.now(),
    data: {
      ...messageBase(o, messageId, 'assistant', slaThresholdMs),
      processingTimeMs,
      llmModel: v.optionalString('llmModel', o['llmModel'], { max: 255 }),
      llmTokensInput: v.optionalCount('llmTokensInput', o['llmTokensInput']),
      llmTokensOutput: v.optionalCount('llmTokensOutput', o['llmTokensOutput']),
      llmCostUsd: v.optionalNumber('llmCostUsd', o['llmCostUsd'], 0, 1e9),
      interrupted: v.optionalBoolean('interrupted', o['interrupted']) ?? false,
      implausible: processingTimeMs !== null && processingTimeMs > 120_000,
    },
  };
  return [event, messageId];
}

/** The fields every logged message has, validated. */
function messageBase(o: Record<string, unknown>, messageId: string, role: 'user' | 'assistant', slaThresholdMs: number) {
  return {
    messageId,
    conversationId: v.requireId('conversationId', o['conversationId']),
    role,
    content: v.requireString('content', o['content'], { max: v.MAX_CONTENT_CHARS, allowNul: true, allowEmpty: true }),
    createdAt: v.optionalTimestamp('createdAt', o['createdAt']),
    sttConfidence: null,
    processingTimeMs: null,
    llmModel: null,
    llmTokensInput: null,
    llmTokensOutput: null,
    llmCostUsd: null,
    usageCounted: true,
    interrupted: false,
    language: null,
    itemId: null,
    slaThresholdMs: slaThresholdMs,
    implausible: false,
    metadata: v.optionalMetadata('metadata', o['metadata']),
  };
}

/** The event of `logToolCall`, its arguments validated (throws `INVALID_ARGUMENT`), and what the call resolves with. */
export function toolCallEvent(options: LogToolCallOptions): [NewEvent, string] {
  const o = v.requireOptions('options', options);
  const messageId = randomUUID();
  const event: NewEvent = {
    type: 'tool_executed',
    callId: null,
    occurredAt: Date.now(),
    data: {
      messageId,
      conversationId: v.requireId('conversationId', o['conversationId']),
      toolCallId: v.optionalId('toolCallId', o['toolCallId']),
      name: v.requireString('name', o['name'], { max: 255 }),
      arguments: v.requireString('arguments', o['arguments'], { max: v.MAX_CONTENT_CHARS, allowEmpty: true }),
      output: v.optionalString('output', o['output'], { max: v.MAX_CONTENT_CHARS, allowNul: true }),
      isError: v.optionalBoolean('isError', o['isError']) ?? false,
      durationMs: v.optionalNumber('durationMs', o['durationMs'], 0, 8.64e7),
      createdAt: null,
    },
  };
  return [event, messageId];
}

/** The event of `recordQuality`, its arguments validated (throws `INVALID_ARGUMENT`), and what the call resolves with. */
export function qualityEvent(options: {
    conversationId: string;
    messageId?: string | null;
    relevanceScore?: number | null;
    satisfactionScore?: number | null;
  }): [NewEvent, void] {
  const o = v.requireOptions('options', options);
  const event: NewEvent = {
    type: 'quality_scored',
    callId: null,
    occurredAt: Date.now(),
    data: {
      conversationId: v.requireId('conversationId', o['conversationId']),
      messageId: v.optionalId('messageId', o['messageId']),
      relevanceScore: v.optionalNumber('relevanceScore', o['relevanceScore'], -1e9, 1e9),
      satisfactionScore: v.optionalNumber('satisfactionScore', o['satisfactionScore'], -1e9, 1e9),
    },
  };
  return [event, undefined];
}

/** The event of `endConversation`, its arguments validated (throws `INVALID_ARGUMENT`), and what the call resolves with. */
export function endConversationEvent(options: { conversationId: string; summary?: string | null }): [NewEvent, void] {
  const o = v.requireOptions('options', options);
  const event: NewEvent = {
    type: 'conversation_ended',
    callId: null,
    occurredAt: Date.now(),
    data: {
      conversationId: v.requireId('conversationId', o['conversationId']),
      summary: v.optionalString('summary', o['summary'], { max: v.MAX_CONTENT_CHARS }),
    },
  };
  return [event, undefined];
}

/** The event of `endCall`, its arguments validated (throws `INVALID_ARGUMENT`), and what the call resolves with. */
export function endCallEvent(callId: string, options: { status?: EndedCallStatus; reason?: string | null; error?: string | null } = {}): [NewEvent, void] {
  const o = v.requireOptions('options', options);
  const event: NewEvent = {
    type: 'call_ended',
    callId: v.requireId('callId', callId),
    occurredAt: Date.now(),
    data: {
      status: o['status'] === undefined ? 'completed' : v.requireOneOf('status', o['status'], ['completed', 'failed', 'abandoned']),
      reason: v.optionalString('reason', o['reason'], { max: v.MAX_CONTENT_CHARS }),
      error: v.optionalString('error', o['error'], { max: v.MAX_CONTENT_CHARS }),
    },
  };
  return [event, undefined];
}

/** The event of `logEvent`, its arguments validated (throws `INVALID_ARGUMENT`), and what the call resolves with. */
export function systemEvent(options: LogEventOptions): [NewEvent, void] {
  const o = v.requireOptions('options', options);
  const event: NewEvent = {
    type: 'system_event_logged',
    callId: v.optionalId('callId', o['callId']),
    occurredAt: Date.now(),
    data: {
      eventType: v.requireString('eventType', o['eventType'], { max: 128 }),
      severity: o['severity'] === undefined ? 'INFO' : v.requireOneOf('severity', o['severity'], v.SEVERITIES),
      message: v.requireString('message', o['message'], { max: v.MAX_CONTENT_CHARS, allowEmpty: true }),
      component: v.optionalString('component', o['component'], { max: 128 }),
      conversationId: v.optionalId('conversationId', o['conversationId']),
      metadata: v.optionalMetadata('metadata', o['metadata']),
    },
  };
  return [event, undefined];
}
