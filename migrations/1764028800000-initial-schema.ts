import type { MigrationInterface, QueryRunner } from 'typeorm';

type Dialect = 'sqlite' | 'postgres';

const types = (d: Dialect) => ({
  position: d === 'postgres' ? 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT',
  big: d === 'postgres' ? 'BIGINT' : 'INTEGER',
  int: 'INTEGER',
  real: d === 'postgres' ? 'DOUBLE PRECISION' : 'REAL',
  bool: 'BOOLEAN',
  text: 'TEXT',
  v: (n: number) => `VARCHAR(${n})`,
});

/** The statements of this migration for one dialect (exported for the schema test). */
export function initialSchemaStatements(d: Dialect): string[] {
  const t = types(d);
  return [
    `CREATE TABLE events (
      position ${t.position},
      event_id ${t.v(64)} NOT NULL,
      call_id ${t.v(255)},
      stream_position ${t.int},
      type ${t.v(64)} NOT NULL,
      schema_version ${t.int} NOT NULL,
      occurred_at ${t.big} NOT NULL,
      recorded_at ${t.big} NOT NULL,
      data ${t.text} NOT NULL
    )`,
    `CREATE UNIQUE INDEX ux_events_event_id ON events (event_id)`,
    `CREATE UNIQUE INDEX ux_events_stream ON events (call_id, stream_position)`,
    `CREATE TABLE calls (
      id ${t.v(255)} PRIMARY KEY,
      caller_number ${t.v(255)},
      livekit_room ${t.v(255)},
      job_id ${t.v(255)},
      agent_id ${t.v(255)},
      agent_name ${t.v(255)},
      agents_version ${t.v(64)},
      started_at ${t.big} NOT NULL,
      ended_at ${t.big},
      duration_ms ${t.big},
      status ${t.v(16)} NOT NULL,
      end_reason ${t.text},
      error ${t.text},
      metadata ${t.text}
    )`,
    `CREATE INDEX ix_calls_started_at ON calls (started_at)`,
    `CREATE INDEX ix_calls_status_started_at ON calls (status, started_at)`,
    `CREATE INDEX ix_calls_room ON calls (livekit_room)`,
    `CREATE TABLE conversations (
      id ${t.v(64)} PRIMARY KEY,
      call_id ${t.v(255)} NOT NULL REFERENCES calls (id),
      agent_name ${t.v(255)},
      ai_model ${t.v(255)},
      system_prompt ${t.text},
      started_at ${t.big} NOT NULL,
      ended_at ${t.big},
      summary ${t.text},
      message_count ${t.int} NOT NULL DEFAULT 0,
      user_message_count ${t.int} NOT NULL DEFAULT 0,
      assistant_message_count ${t.int} NOT NULL DEFAULT 0,
      tool_call_count ${t.int} NOT NULL DEFAULT 0,
      metadata ${t.text}
    )`,
    `CREATE INDEX ix_conversations_call ON conversations (call_id)`,
    `CREATE TABLE messages (
      id ${t.v(64)} PRIMARY KEY,
      conversation_id ${t.v(64)} NOT NULL REFERENCES conversations (id),
      call_id ${t.v(255)} NOT NULL,
      event_position ${t.big} NOT NULL,
      role ${t.v(16)} NOT NULL,
      content ${t.text} NOT NULL,
      content_encoding ${t.v(8)},
      created_at ${t.big} NOT NULL,
      stt_confidence ${t.real},
      processing_time_ms ${t.real},
      llm_model ${t.v(255)},
      llm_tokens_input ${t.big},
      llm_tokens_output ${t.big},
      llm_cost_usd ${t.real},
      interrupted ${t.bool} NOT NULL DEFAULT FALSE,
      sla_violation ${t.bool} NOT NULL DEFAULT FALSE,
      implausible ${t.bool} NOT NULL DEFAULT FALSE,
      language ${t.v(32)},
      item_id ${t.v(255)},
      tool_name ${t.v(255)},
      tool_call_id ${t.v(255)},
      tool_arguments ${t.text},
      tool_is_error ${t.bool},
      metadata ${t.text}
    )`,
    `CREATE INDEX ix_messages_conversation_created ON messages (conversation_id, created_at, event_position)`,
    `CREATE INDEX ix_messages_call ON messages (call_id)`,
    `CREATE INDEX ix_messages_role_created ON messages (role, created_at)`,
    `CREATE TABLE turns (
      id ${t.v(255)} PRIMARY KEY,
      conversation_id ${t.v(64)} NOT NULL REFERENCES conversations (id),
      call_id ${t.v(255)} NOT NULL,
      user_message_id ${t.v(64)},
      assistant_message_id ${t.v(64)},
      started_at ${t.big} NOT NULL,
      end_of_turn_delay_ms ${t.real},
      transcription_delay_ms ${t.real},
      on_user_turn_completed_delay_ms ${t.real},
      llm_ttft_ms ${t.real},
      tts_ttfb_ms ${t.real},
      playback_latency_ms ${t.real},
      e2e_latency_ms ${t.real},
      e2e_derived ${t.bool} NOT NULL DEFAULT FALSE,
      unattributed_ms ${t.real},
      outcome ${t.v(16)} NOT NULL,
      implausible ${t.bool} NOT NULL DEFAULT FALSE,
      sla_violation ${t.bool} NOT NULL DEFAULT FALSE,
      cost_usd ${t.real}
    )`,
    `CREATE INDEX ix_turns_conversation ON turns (conversation_id)`,
    `CREATE INDEX ix_turns_call ON turns (call_id)`,
    `CREATE INDEX ix_turns_started_at ON turns (started_at)`,
    `CREATE TABLE conversation_metrics (
      conversation_id ${t.v(64)} PRIMARY KEY REFERENCES conversations (id),
      call_id ${t.v(255)} NOT NULL,
      started_at ${t.big} NOT NULL,
      turns ${t.int} NOT NULL DEFAULT 0,
      response_time_count ${t.int} NOT NULL DEFAULT 0,
      response_time_avg_ms ${t.real},
      response_time_p50_ms ${t.real},
      response_time_p95_ms ${t.real},
      response_time_max_ms ${t.real},
      stt_latency_count ${t.int} NOT NULL DEFAULT 0,
      stt_latency_avg_ms ${t.real},
      llm_latency_count ${t.int} NOT NULL DEFAULT 0,
      llm_latency_avg_ms ${t.real},
      tts_latency_count ${t.int} NOT NULL DEFAULT 0,
      tts_latency_avg_ms ${t.real},
      eou_delay_count ${t.int} NOT NULL DEFAULT 0,
      eou_delay_avg_ms ${t.real},
      llm_tokens_input ${t.big} NOT NULL DEFAULT 0,
      llm_tokens_cached ${t.big} NOT NULL DEFAULT 0,
      llm_tokens_output ${t.big} NOT NULL DEFAULT 0,
      llm_cost_usd ${t.real} NOT NULL DEFAULT 0,
      stt_cost_usd ${t.real} NOT NULL DEFAULT 0,
      tts_cost_usd ${t.real} NOT NULL DEFAULT 0,
      realtime_cost_usd ${t.real} NOT NULL DEFAULT 0,
      total_cost_usd ${t.real} NOT NULL DEFAULT 0,
      unpriced_usage_count ${t.int} NOT NULL DEFAULT 0,
      sla_threshold_ms ${t.real},
      sla_violations ${t.int} NOT NULL DEFAULT 0,
      error_count ${t.int} NOT NULL DEFAULT 0,
      interruptions ${t.int} NOT NULL DEFAULT 0,
      false_interruptions ${t.int} NOT NULL DEFAULT 0,
      tool_calls ${t.int} NOT NULL DEFAULT 0,
      tool_errors ${t.int} NOT NULL DEFAULT 0,
      stt_confidence_count ${t.int} NOT NULL DEFAULT 0,
      stt_confidence_avg ${t.real},
      relevance_count ${t.int} NOT NULL DEFAULT 0,
      relevance_avg ${t.real},
      satisfaction_count ${t.int} NOT NULL DEFAULT 0,
      satisfaction_avg ${t.real},
      updated_at ${t.big} NOT NULL
    )`,
    `CREATE INDEX ix_conversation_metrics_call ON conversation_metrics (call_id)`,
    `CREATE INDEX ix_conversation_metrics_started_at ON conversation_metrics (started_at)`,
    `CREATE TABLE system_events (
      id ${t.v(96)} PRIMARY KEY,
      event_position ${t.big} NOT NULL,
      event_type ${t.v(128)} NOT NULL,
      severity ${t.v(16)} NOT NULL,
      message ${t.text} NOT NULL,
      component ${t.v(128)},
      call_id ${t.v(255)},
      conversation_id ${t.v(64)},
      count ${t.int} NOT NULL DEFAULT 1,
      metadata ${t.text},
      created_at ${t.big} NOT NULL
    )`,
    `CREATE INDEX ix_system_events_created ON system_events (created_at)`,
    `CREATE INDEX ix_system_events_type_created ON system_events (event_type, created_at)`,
    `CREATE INDEX ix_system_events_call ON system_events (call_id)`,
  ];
}

const DROP_ORDER = ['system_events', 'conversation_metrics', 'turns', 'messages', 'conversations', 'calls', 'events'];

export const dialectOf = (queryRunner: QueryRunner): Dialect =>
  queryRunner.connection.options.type === 'postgres' ? 'postgres' : 'sqlite';

/** The event log and its projections. */
export class InitialSchema1764028800000 implements MigrationInterface {
  name = 'InitialSchema1764028800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of initialSchemaStatements(dialectOf(queryRunner))) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of DROP_ORDER) await queryRunner.query(`DROP TABLE ${table}`);
  }
}
