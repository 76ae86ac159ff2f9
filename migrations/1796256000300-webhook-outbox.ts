import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from './1764028800000-initial-schema.js';

type Dialect = 'sqlite' | 'postgres';

/** The statements of this migration for one dialect. */
export function webhookOutboxStatements(d: Dialect): string[] {
  const big = d === 'postgres' ? 'BIGINT' : 'INTEGER';
  const v = (n: number) => `VARCHAR(${n})`;
  return [
    `CREATE TABLE webhook_deliveries (
      id ${v(64)} PRIMARY KEY,
      endpoint_id ${v(64)} NOT NULL,
      event ${v(32)} NOT NULL,
      event_id ${v(64)} NOT NULL,
      event_position ${big} NOT NULL,
      call_id ${v(255)} NOT NULL,
      status ${v(16)} NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      created_at ${big} NOT NULL,
      next_attempt_at ${big} NOT NULL,
      claimed_until ${big} NOT NULL DEFAULT 0,
      claimed_by ${v(64)},
      delivered_at ${big},
      last_status INTEGER,
      last_error TEXT
    )`,
    `CREATE UNIQUE INDEX ux_webhook_deliveries_endpoint_event ON webhook_deliveries (endpoint_id, event_id)`,
    `CREATE INDEX ix_webhook_deliveries_queue ON webhook_deliveries (endpoint_id, status, event_position)`,
    `CREATE INDEX ix_webhook_deliveries_call ON webhook_deliveries (call_id)`,
  ];
}

/**
 * The webhook outbox: one row per (endpoint, event) to deliver, written in the transaction that
 * appends the event. Store state, not a projection: a rebuild leaves it alone, so what was
 * delivered stays delivered.
 */
export class WebhookOutbox1796256000300 implements MigrationInterface {
  name = 'WebhookOutbox1796256000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of webhookOutboxStatements(dialectOf(queryRunner))) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_deliveries`);
  }
}
