import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from './1764028800000-initial-schema.js';
import { rebuildSqliteTables, type SqliteTableDefinition } from './sqlite-rebuild.js';

/**
 * Every table that has an entity, on SQLite, spelled as TypeORM spells the entities (what
 * `createSchemaBuilder()` reads back and compares): the entity's column types (`bigint`,
 * `double precision`, `boolean`), `NOT NULL` on every primary key, defaults as TypeORM writes
 * them (`DEFAULT (0)`, booleans as 0/1), and the foreign keys as named constraints. Each type has
 * the affinity its earlier spelling had (INTEGER, REAL, NUMERIC), so the values stored stay as
 * they are. `events.position` stays `integer PRIMARY KEY AUTOINCREMENT`, the rowid.
 */
export const SQLITE_TABLES: readonly SqliteTableDefinition[] = [
  {
    name: 'events',
    create: `CREATE TABLE "events" (
      "position" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      "event_id" varchar(64) NOT NULL,
      "call_id" varchar(255),
      "stream_position" integer,
      "type" varchar(64) NOT NULL,
      "schema_version" integer NOT NULL,
      "occurred_at" bigint NOT NULL,
      "recorded_at" bigint NOT NULL,
      "data" text NOT NULL
    )`,
  },
  {
    name: 'calls',
    create: `CREATE TABLE "calls" (
      "id" varchar(255) PRIMARY KEY NOT NULL,
      "caller_number" varchar(255),
      "livekit_room" varchar(255),
      "job_id" varchar(255),
      "agent_id" varchar(255),
      "agent_name" varchar(255),
      "agents_version" varchar(64),
      "started_at" bigint NOT NULL,
      "ended_at" bigint,
      "duration_ms" bigint,
      "status" varchar(16) NOT NULL,
      "end_reason" text,
      "error" text,
      "metadata" text,
      "release" varchar(255),
      "outcome" varchar(16),
      "outcome_reason" text,
      "recording_path" text,
      "recording_started_at" bigint,
      "recording_duration_ms" bigint,
      "recording_channels" integer,
      "recording_format" varchar(32),
      "recording_size_bytes" bigint,
      "recording_user_channel" integer,
      "recording_agent_channel" integer
    )`,
  },
  {
    name: 'conversations',
    create: `CREATE TABLE "conversations" (
      "id" varchar(64) PRIMARY KEY NOT NULL,
      "call_id" varchar(255) NOT NULL,
      "agent_name" varchar(255),
      "ai_model" varchar(255),
      "system_prompt" text,
      "started_at" bigint NOT NULL,
      "ended_at" bigint,
      "summary" text,
      "message_count" integer NOT NULL DEFAULT (0),
      "user_message_count" integer NOT NULL DEFAULT (0),
      "assistant_message_count" integer NOT NULL DEFAULT (0),
      "tool_call_count" integer NOT NULL DEFAULT (0),
      "metadata" text,
      "instructions_hash" varchar(64),
      CONSTRAINT "conversations_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "calls" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION
    )`,
  },
  {
    name: 'messages',
    create: `CREATE TABLE "messages" (
      "id" varchar(64) PRIMARY KEY NOT NULL,
      "conversation_id" varchar(64) NOT NULL,
      "call_id" varchar(255) NOT NULL,
      "event_position" bigint NOT NULL,
      "role" varchar(16) NOT NULL,
      "content" text NOT NULL,
      "content_encoding" varchar(8),
      "created_at" bigint NOT NULL,
      "stt_confidence" double precision,
      "processing_time_ms" double precision,
      "llm_model" varchar(255),
      "llm_tokens_input" bigint,
      "llm_tokens_output" bigint,
      "llm_cost_usd" double precision,
      "interrupted" boolean NOT NULL DEFAULT (0),
      "sla_violation" boolean NOT NULL DEFAULT (0),
      "implausible" boolean NOT NULL DEFAULT (0),
      "language" varchar(32),
      "item_id" varchar(255),
      "tool_name" varchar(255),
      "tool_call_id" varchar(255),
      "tool_arguments" text,
      "tool_is_error" boolean,
      "metadata" text,
      CONSTRAINT "messages_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION
    )`,
  },
  {
    name: 'turns',
    create: `CREATE TABLE "turns" (
      "id" varchar(255) PRIMARY KEY NOT NULL,
      "conversation_id" varchar(64) NOT NULL,
      "call_id" varchar(255) NOT NULL,
      "user_message_id" varchar(64),
      "assistant_message_id" varchar(64),
      "started_at" bigint NOT NULL,
      "end_of_turn_delay_ms" double precision,
      "transcription_delay_ms" double precision,
      "on_user_turn_completed_delay_ms" double precision,
      "llm_ttft_ms" double precision,
      "tts_ttfb_ms" double precision,
      "playback_latency_ms" double precision,
      "e2e_latency_ms" double precision,
      "e2e_derived" boolean NOT NULL DEFAULT (0),
      "unattributed_ms" double precision,
      "outcome" varchar(16) NOT NULL,
      "implausible" boolean NOT NULL DEFAULT (0),
      "sla_violation" boolean NOT NULL DEFAULT (0),
      "cost_usd" double precision,
      "llm_model" varchar(255),
      "stt_model" varchar(255),
      "tts_model" varchar(255),
      "heard_latency_ms" double precision,
      "heard_user_end_at" bigint,
      "heard_agent_start_at" bigint,
      "heard_mismatch" boolean NOT NULL DEFAULT (0),
      CONSTRAINT "turns_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION
    )`,
  },
  {
    name: 'conversation_metrics',
    create: `CREATE TABLE "conversation_metrics" (
      "conversation_id" varchar(64) PRIMARY KEY NOT NULL,
      "call_id" varchar(255) NOT NULL,
      "started_at" bigint NOT NULL,
      "turns" integer NOT NULL DEFAULT (0),
      "response_time_count" integer NOT NULL DEFAULT (0),
      "response_time_avg_ms" double precision,
      "response_time_p50_ms" double precision,
      "response_time_p95_ms" double precision,
      "response_time_max_ms" double precision,
      "stt_latency_count" integer NOT NULL DEFAULT (0),
      "stt_latency_avg_ms" double precision,
      "llm_latency_count" integer NOT NULL DEFAULT (0),
      "llm_latency_avg_ms" double precision,
      "tts_latency_count" integer NOT NULL DEFAULT (0),
      "tts_latency_avg_ms" double precision,
      "eou_delay_count" integer NOT NULL DEFAULT (0),
      "eou_delay_avg_ms" double precision,
      "llm_tokens_input" bigint NOT NULL DEFAULT (0),
      "llm_tokens_cached" bigint NOT NULL DEFAULT (0),
      "llm_tokens_output" bigint NOT NULL DEFAULT (0),
      "llm_cost_usd" double precision NOT NULL DEFAULT (0),
      "stt_cost_usd" double precision NOT NULL DEFAULT (0),
      "tts_cost_usd" double precision NOT NULL DEFAULT (0),
      "realtime_cost_usd" double precision NOT NULL DEFAULT (0),
      "total_cost_usd" double precision NOT NULL DEFAULT (0),
      "unpriced_usage_count" integer NOT NULL DEFAULT (0),
      "sla_threshold_ms" double precision,
      "sla_violations" integer NOT NULL DEFAULT (0),
      "error_count" integer NOT NULL DEFAULT (0),
      "interruptions" integer NOT NULL DEFAULT (0),
      "false_interruptions" integer NOT NULL DEFAULT (0),
      "tool_calls" integer NOT NULL DEFAULT (0),
      "tool_errors" integer NOT NULL DEFAULT (0),
      "stt_confidence_count" integer NOT NULL DEFAULT (0),
      "stt_confidence_avg" double precision,
      "relevance_count" integer NOT NULL DEFAULT (0),
      "relevance_avg" double precision,
      "satisfaction_count" integer NOT NULL DEFAULT (0),
      "satisfaction_avg" double precision,
      "updated_at" bigint NOT NULL,
      CONSTRAINT "conversation_metrics_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION
    )`,
  },
  {
    name: 'system_events',
    create: `CREATE TABLE "system_events" (
      "id" varchar(96) PRIMARY KEY NOT NULL,
      "event_position" bigint NOT NULL,
      "event_type" varchar(128) NOT NULL,
      "severity" varchar(16) NOT NULL,
      "message" text NOT NULL,
      "component" varchar(128),
      "call_id" varchar(255),
      "conversation_id" varchar(64),
      "count" integer NOT NULL DEFAULT (1),
      "metadata" text,
      "created_at" bigint NOT NULL
    )`,
  },
  {
    name: 'webhook_deliveries',
    create: `CREATE TABLE "webhook_deliveries" (
      "id" varchar(64) PRIMARY KEY NOT NULL,
      "endpoint_id" varchar(64) NOT NULL,
      "event" varchar(32) NOT NULL,
      "event_id" varchar(64) NOT NULL,
      "event_position" bigint NOT NULL,
      "call_id" varchar(255) NOT NULL,
      "status" varchar(16) NOT NULL,
      "attempts" integer NOT NULL DEFAULT (0),
      "created_at" bigint NOT NULL,
      "next_attempt_at" bigint NOT NULL,
      "claimed_until" bigint NOT NULL DEFAULT (0),
      "claimed_by" varchar(64),
      "delivered_at" bigint,
      "last_status" integer,
      "last_error" text
    )`,
  },
  {
    name: 'call_analyses',
    create: `CREATE TABLE "call_analyses" (
      "call_id" varchar(255) PRIMARY KEY NOT NULL,
      "event_position" bigint NOT NULL,
      "status" varchar(16) NOT NULL,
      "summary" text,
      "verdict" varchar(16),
      "verdict_reason" text,
      "fields" text,
      "fields_valid" boolean,
      "fields_errors" text,
      "raw_output" text,
      "error" text,
      "error_type" varchar(64),
      "provider" varchar(255),
      "model" varchar(255),
      "tokens_input" bigint,
      "tokens_output" bigint,
      "cost_usd" double precision,
      "price_version" varchar(64),
      "attempts" integer NOT NULL DEFAULT (1),
      "duration_ms" double precision,
      "analyzed_at" bigint NOT NULL
    )`,
  },
  {
    name: 'call_tags',
    create: `CREATE TABLE "call_tags" (
      "call_id" varchar(255) NOT NULL,
      "tag" varchar(64) NOT NULL,
      "event_position" bigint NOT NULL,
      "tagged_at" bigint NOT NULL,
      PRIMARY KEY ("call_id", "tag")
    )`,
  },
];

/**
 * The SQLite tables made as the entities declare them, so TypeORM's schema builder has nothing to
 * change on either backend (PostgreSQL's tables already agree: nothing to do there). SQLite cannot
 * alter a column's type or add a named constraint, so each table is rebuilt with its rows, its
 * indexes, and the search index's view ({@link rebuildSqliteTables}); the FTS5 index is keyed by
 * the messages' log positions, which are copied as they are, and stays valid. Every table is
 * written once more, in one transaction: the migration takes time, and free disk for the WAL, in
 * proportion to the store's size.
 */
export class SqliteEntitySchema1796256000600 implements MigrationInterface {
  name = 'SqliteEntitySchema1796256000600';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (dialectOf(queryRunner) === 'sqlite') await rebuildSqliteTables(queryRunner, SQLITE_TABLES);
  }

  /**
   * Leaves the tables as they are: they store the same values with the same affinities, keys,
   * defaults and foreign keys as the earlier spelling (which let SQLite store a NULL primary key
   * no code of this package ever writes), so the earlier migrations' code reads and writes them
   * alike, and running this migration again rebuilds them to the same definitions.
   */
  async down(): Promise<void> {}
}
