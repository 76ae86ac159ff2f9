import { CallAnalysisEntity } from './call-analysis.entity.js';
import { CallEntity } from './call.entity.js';
import { CallTagEntity } from './call-tag.entity.js';
import { ConversationMetricsEntity } from './conversation-metrics.entity.js';
import { ConversationEntity } from './conversation.entity.js';
import { EventColumns, EventEntity, SqliteEventEntity } from './event.entity.js';
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
  EventColumns,
  EventEntity,
  MessageEntity,
  SqliteEventEntity,
  SystemEventEntity,
  TurnEntity,
  WebhookDeliveryEntity,
};

/** The two databases the store runs on. */
export type Dialect = 'sqlite' | 'postgres';

/**
 * Every entity of a store on `dialect`, as an array (no globs: they break in ESM and inside
 * node_modules). The same tables on both; `events` spells its generated position per dialect
 * ({@link EventEntity} on PostgreSQL, {@link SqliteEventEntity} on SQLite).
 *
 * @example
 * new DataSource({ type: 'better-sqlite3', database: 'calls.db', entities: entitiesFor('sqlite'), namingStrategy: new ConversationLogNamingStrategy(), migrations: MIGRATIONS })
 */
export function entitiesFor(dialect: Dialect) {
  return [
    dialect === 'sqlite' ? SqliteEventEntity : EventEntity,
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
}
