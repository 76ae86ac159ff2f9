/**
 * The projection tables as their entities declare them ({@link tableOf}): the column lists the
 * projections insert and the readers read, computed once, here, at module load.
 */
import { CallAnalysisEntity } from './call-analysis.entity.js';
import { CallEntity } from './call.entity.js';
import { CallTagEntity } from './call-tag.entity.js';
import { ConversationMetricsEntity } from './conversation-metrics.entity.js';
import { ConversationEntity } from './conversation.entity.js';
import { MessageEntity } from './message.entity.js';
import { SystemEventEntity } from './system-event.entity.js';
import { tableOf, type Row } from './table.js';
import { TurnEntity } from './turn.entity.js';

export type { ColumnKey, Row, Table, TableColumn } from './table.js';

export const CALLS = tableOf(CallEntity);
export const CONVERSATIONS = tableOf(ConversationEntity);
export const MESSAGES = tableOf(MessageEntity);
export const TURNS = tableOf(TurnEntity);
export const CONVERSATION_METRICS = tableOf(ConversationMetricsEntity);
export const SYSTEM_EVENTS = tableOf(SystemEventEntity);
export const CALL_ANALYSES = tableOf(CallAnalysisEntity);
export const CALL_TAGS = tableOf(CallTagEntity);

export type CallRow = Row<CallEntity>;
export type ConversationRow = Row<ConversationEntity>;
export type MessageRow = Row<MessageEntity>;
export type TurnRow = Row<TurnEntity>;
export type ConversationMetricsRow = Row<ConversationMetricsEntity>;
export type SystemEventRow = Row<SystemEventEntity>;
export type CallAnalysisRow = Row<CallAnalysisEntity>;
export type CallTagRow = Row<CallTagEntity>;
