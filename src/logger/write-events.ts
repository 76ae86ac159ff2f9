import { randomUUID } from 'node:crypto';
import {
  createCallEndedEvent,
  createCallStartedEvent,
  createConversationEndedEvent,
  createConversationStartedEvent,
  createMessageAddedEvent,
  createQualityScoredEvent,
  createSystemEventLoggedEvent,
  createToolExecutedEvent,
} from '../events/create.js';
import type { NewEvent } from '../events/types.js';
import { defaultRelease } from '../config/release.js';
import type {
  EndCallOptions,
  EndConversationOptions,
  LogAssistantMessageOptions,
  LogEventOptions,
  LogToolCallOptions,
  LogUserMessageOptions,
  RecordQualityOptions,
  StartCallOptions,
  StartConversationOptions,
} from './options.js';
import * as v from './validate.js';

/**
 * The events the logger's writes stand for: each function validates its caller's options
 * (`INVALID_ARGUMENT` naming the option, length limits included) and builds the event with its
 * factory, returning it with what the write resolves with.
 */

/** The event of `startCall`, and the call id. */
export function startCallEvent(options: StartCallOptions = {}): [NewEvent, string] {
  const o = v.requireOptions('options', options);
  const callId = o['callId'] === undefined ? randomUUID() : v.requireId('callId', o['callId']);
  const event = createCallStartedEvent({
    callId,
    occurredAt: v.optionalTimestamp('startedAt', o['startedAt']) ?? Date.now(),
    callerNumber: v.optionalString('callerNumber', o['callerNumber'], { max: 255 }),
    livekitRoom: v.optionalString('livekitRoom', o['livekitRoom'], { max: 255 }),
    jobId: v.optionalId('jobId', o['jobId']),
    agentId: v.optionalId('agentId', o['agentId']),
    agentName: v.optionalString('agentName', o['agentName'], { max: 255 }),
    agentsVersion: v.optionalString('agentsVersion', o['agentsVersion'], { max: 64 }),
    metadata: v.optionalMetadata('metadata', o['metadata']),
    release: o['release'] === undefined ? defaultRelease() : v.optionalString('release', o['release'], { max: 255 }),
  });
  return [event, callId];
}

/** The event of `startConversation`, and the new conversation id. */
export function startConversationEvent(options: StartConversationOptions): [NewEvent, string] {
  const o = v.requireOptions('options', options);
  const conversationId = randomUUID();
  const callId = v.requireId('callId', o['callId']);
  const event = createConversationStartedEvent({
    callId,
    occurredAt: v.optionalTimestamp('startedAt', o['startedAt']) ?? Date.now(),
    conversationId,
    aiModel: v.optionalString('aiModel', o['aiModel'], { max: 255 }),
    systemPrompt: v.optionalString('systemPrompt', o['systemPrompt'], { max: v.MAX_CONTENT_CHARS }),
    agentName: v.optionalString('agentName', o['agentName'], { max: 255 }),
    metadata: v.optionalMetadata('metadata', o['metadata']),
    instructionsHash:
      o['instructionsHash'] === undefined ? undefined : v.optionalString('instructionsHash', o['instructionsHash'], { max: 64 }),
  });
  return [event, conversationId];
}

const content = (o: Record<string, unknown>): string =>
  v.requireString('content', o['content'], { max: v.MAX_CONTENT_CHARS, allowNul: true, allowEmpty: true });

/** The event of `logUserMessage`, and the message id. */
export function userMessageEvent(options: LogUserMessageOptions, slaThresholdMs: number): [NewEvent, string] {
  const o = v.requireOptions('options', options);
  const messageId = randomUUID();
  // Checked in this order: the first bad option is the one reported.
  const conversationId = v.requireId('conversationId', o['conversationId']);
  const text = content(o);
  const createdAt = v.optionalTimestamp('createdAt', o['createdAt']);
  const metadata = v.optionalMetadata('metadata', o['metadata']);
  const event = createMessageAddedEvent({
    messageId,
    conversationId,
    role: 'user',
    content: text,
    createdAt,
    occurredAt: createdAt ?? Date.now(),
    sttConfidence: v.optionalNumber('sttConfidence', o['sttConfidence'], 0, 1),
    processingTimeMs: v.optionalNumber('processingTimeMs', o['processingTimeMs'], 0, 8.64e7),
    language: v.optionalString('language', o['language'], { max: 32 }),
    slaThresholdMs,
    metadata,
  });
  return [event, messageId];
}

/** The event of `logAssistantMessage`, and the message id. */
export function assistantMessageEvent(options: LogAssistantMessageOptions, slaThresholdMs: number): [NewEvent, string] {
  const o = v.requireOptions('options', options);
  const messageId = randomUUID();
  // Checked in this order: the first bad option is the one reported.
  const processingTimeMs = v.optionalNumber('processingTimeMs', o['processingTimeMs'], 0, 8.64e7);
  const conversationId = v.requireId('conversationId', o['conversationId']);
  const text = content(o);
  const createdAt = v.optionalTimestamp('createdAt', o['createdAt']);
  const metadata = v.optionalMetadata('metadata', o['metadata']);
  const event = createMessageAddedEvent({
    messageId,
    conversationId,
    role: 'assistant',
    content: text,
    createdAt,
    occurredAt: createdAt ?? Date.now(),
    processingTimeMs,
    llmModel: v.optionalString('llmModel', o['llmModel'], { max: 255 }),
    llmTokensInput: v.optionalCount('llmTokensInput', o['llmTokensInput']),
    llmTokensOutput: v.optionalCount('llmTokensOutput', o['llmTokensOutput']),
    llmCostUsd: v.optionalNumber('llmCostUsd', o['llmCostUsd'], 0, 1e9),
    interrupted: v.optionalBoolean('interrupted', o['interrupted']) ?? false,
    slaThresholdMs,
    implausible: processingTimeMs !== null && processingTimeMs > 120_000,
    metadata,
  });
  return [event, messageId];
}

/** The event of `logToolCall`, and the message id. */
export function toolCallEvent(options: LogToolCallOptions): [NewEvent, string] {
  const o = v.requireOptions('options', options);
  const messageId = randomUUID();
  const event = createToolExecutedEvent({
    messageId,
    conversationId: v.requireId('conversationId', o['conversationId']),
    toolCallId: v.optionalId('toolCallId', o['toolCallId']),
    name: v.requireString('name', o['name'], { max: 255 }),
    arguments: v.requireString('arguments', o['arguments'], { max: v.MAX_CONTENT_CHARS, allowEmpty: true }),
    output: v.optionalString('output', o['output'], { max: v.MAX_CONTENT_CHARS, allowNul: true }),
    isError: v.optionalBoolean('isError', o['isError']) ?? false,
    durationMs: v.optionalNumber('durationMs', o['durationMs'], 0, 8.64e7),
    occurredAt: v.optionalTimestamp('createdAt', o['createdAt']) ?? Date.now(),
  });
  return [event, messageId];
}

/** The event of `recordQuality`. */
export function qualityEvent(options: RecordQualityOptions): [NewEvent, undefined] {
  const o = v.requireOptions('options', options);
  const event = createQualityScoredEvent({
    conversationId: v.requireId('conversationId', o['conversationId']),
    messageId: v.optionalId('messageId', o['messageId']),
    relevanceScore: v.optionalNumber('relevanceScore', o['relevanceScore'], -1e9, 1e9),
    satisfactionScore: v.optionalNumber('satisfactionScore', o['satisfactionScore'], -1e9, 1e9),
    occurredAt: v.optionalTimestamp('createdAt', o['createdAt']) ?? Date.now(),
  });
  return [event, undefined];
}

/** The event of `endConversation`. */
export function endConversationEvent(options: EndConversationOptions): [NewEvent, undefined] {
  const o = v.requireOptions('options', options);
  const event = createConversationEndedEvent({
    conversationId: v.requireId('conversationId', o['conversationId']),
    summary: v.optionalString('summary', o['summary'], { max: v.MAX_CONTENT_CHARS }),
    occurredAt: v.optionalTimestamp('endedAt', o['endedAt']) ?? Date.now(),
  });
  return [event, undefined];
}

/** The event of `endCall`: `completed` unless told otherwise. */
export function endCallEvent(callId: string, options: EndCallOptions = {}): [NewEvent, undefined] {
  const o = v.requireOptions('options', options);
  const event = createCallEndedEvent({
    callId: v.requireId('callId', callId),
    status: o['status'] === undefined ? 'completed' : v.requireOneOf('status', o['status'], ['completed', 'failed', 'abandoned'] as const),
    reason: v.optionalString('reason', o['reason'], { max: v.MAX_CONTENT_CHARS }),
    error: v.optionalString('error', o['error'], { max: v.MAX_CONTENT_CHARS }),
    occurredAt: v.optionalTimestamp('endedAt', o['endedAt']) ?? Date.now(),
  });
  return [event, undefined];
}

/** The event of `logEvent`: a row of `system_events`. */
export function systemEvent(options: LogEventOptions): [NewEvent, undefined] {
  const o = v.requireOptions('options', options);
  const event = createSystemEventLoggedEvent({
    callId: v.optionalId('callId', o['callId']),
    eventType: v.requireString('eventType', o['eventType'], { max: 128 }),
    severity: o['severity'] === undefined ? 'INFO' : v.requireOneOf('severity', o['severity'], v.SEVERITIES),
    message: v.requireString('message', o['message'], { max: v.MAX_CONTENT_CHARS, allowEmpty: true }),
    component: v.optionalString('component', o['component'], { max: 128 }),
    conversationId: v.optionalId('conversationId', o['conversationId']),
    metadata: v.optionalMetadata('metadata', o['metadata']),
    occurredAt: v.optionalTimestamp('createdAt', o['createdAt']) ?? Date.now(),
  });
  return [event, undefined];
}
