import { CallAnalysisEntity } from './call-analysis.entity.js';
import { CallEntity } from './call.entity.js';
import { CallTagEntity } from './call-tag.entity.js';
import { ConversationMetricsEntity } from './conversation-metrics.entity.js';
import { ConversationEntity } from './conversation.entity.js';
import { EventEntity } from './event.entity.js';
import { MessageEntity } from './message.entity.js';
import { SystemEventEntity } from './system-event.entity.js';
import { TurnEntity } from './turn.entity.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { ConversationLogNamingStrategy } from './naming.js';

export {
  ConversationLogNamingStrategy,
  CallAnalysisEntity,
  CallEntity,
  CallTagEntity,
  ConversationEntity,
  ConversationMetricsEntity,
  EventEntity,
  MessageEntity,
  SystemEventEntity,
  TurnEntity,
  WebhookDeliveryEntity,
};

/** Every entity, as an array (no globs: they break in ESM and inside node_modules). */
export const ENTITIES = [
  EventEntity,
  CallEntity,
  ConversationEntity,
  MessageEntity,
  TurnEntity,
  ConversationMetricsEntity,
  SystemEventEntity,
  WebhookDeliveryEntity,
  CallAnalysisEntity,
  CallTagEntity,
];
