/**
 * One factory per stored event type, in the manner of agents-js's `createXxxEvent`: typed
 * arguments, every optional field defaulted, the event stamped with {@link EVENT_SCHEMA_VERSION}
 * and `occurredAt` (now by default). The plugin's mapper, the logger, the import and the tests
 * all build events here, so an event's shape is declared once.
 *
 * @remarks
 * A factory checks each field's type and range (`INVALID_ARGUMENT` naming the field) but not
 * the logger's length limits. Data keys come in one fixed order: the stored JSON of an event
 * does not depend on who built it. An optional field left out is `undefined`, which JSON leaves out.
 */

export type { EventEnvelope } from './envelope.js';
export {
  createCallEndedEvent,
  createCallStartedEvent,
  createConversationEndedEvent,
  createConversationStartedEvent,
  createRecordingAvailableEvent,
} from './call-events.js';
export type {
  CallEndedArgs,
  CallStartedArgs,
  ConversationEndedArgs,
  ConversationStartedArgs,
  RecordingAvailableArgs,
} from './call-events.js';
export { createMessageAddedEvent, createQualityScoredEvent, createToolExecutedEvent } from './message-events.js';
export type { MessageAddedArgs, QualityScoredArgs, ToolExecutedArgs } from './message-events.js';
export { createHeardLatencyMeasuredEvent, createMetricsRecordedEvent, createTurnCompletedEvent } from './turn-events.js';
export type { HeardLatencyMeasuredArgs, MetricsRecordedArgs, TurnCompletedArgs } from './turn-events.js';
export { createErrorOccurredEvent, createSessionEvent, createSystemEventLoggedEvent } from './session-events.js';
export type { ErrorOccurredArgs, SessionEventArgs, SystemEventLoggedArgs } from './session-events.js';
export {
  createAnalysisCompletedEvent,
  createAnalysisFailedEvent,
  createCallOutcomeRecordedEvent,
  createCallTaggedEvent,
  MAX_TAG_LENGTH,
} from './analysis-events.js';
export type { AnalysisCompletedArgs, AnalysisFailedArgs, CallOutcomeRecordedArgs, CallTaggedArgs } from './analysis-events.js';
