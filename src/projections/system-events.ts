import { SYSTEM_EVENTS } from '../../entities/tables.js';
import type { RecordedEvent } from '../events/types.js';
import type { Projection, ProjectionContext } from './projection.js';
import { jsonOrNull, pgSafe } from './projection.js';
import { isSlaViolation } from './rules.js';

/**
 * `system_events`: operational events. Rows come from `system_event_logged` (the API and the
 * writer), `error_occurred`, failed calls, and SLA violations of assistant messages and turns.
 * Row ids derive from the log event, so a rebuild reproduces them. Messages never quote
 * transcripts or phone numbers.
 */
export const systemEventsProjection: Projection = {
  name: 'system_events',
  table: 'system_events',
  canHandle: ['system_event_logged', 'error_occurred', 'call_ended', 'message_added'],
  async handle(events, ctx) {
    const rows: unknown[][] = [];
    for (const event of events) rowsOf(event, ctx, rows);
    if (rows.length > 0) await ctx.insert(SYSTEM_EVENTS.name, SYSTEM_EVENTS.names, rows);
  },
};

/** The rows an event gives (none for most). */
function rowsOf(event: RecordedEvent, ctx: ProjectionContext, rows: unknown[][]): void {
  const row = (
    suffix: string,
    type: string,
    severity: string,
    message: string,
    component: string | null,
    conversationId: string | null,
    count: number,
    metadata: unknown,
  ) =>
    rows.push(
      SYSTEM_EVENTS.values({
        id: event.eventId + suffix,
        eventPosition: event.position,
        eventType: type,
        severity,
        message: pgSafe(ctx, message),
        component: pgSafe(ctx, component),
        callId: event.callId,
        conversationId,
        count,
        metadata: jsonOrNull(metadata),
        createdAt: event.occurredAt,
      }),
    );
  switch (event.type) {
    case 'system_event_logged': {
      const d = event.data;
      row('', d.eventType, d.severity, d.message, d.component, d.conversationId, d.count ?? 1, d.metadata);
      return;
    }
    case 'error_occurred': {
      const d = event.data;
      row('', 'error', d.recoverable ? 'WARNING' : 'ERROR', d.message, d.source, d.conversationId, 1, {
        errorType: d.errorType,
        recoverable: d.recoverable,
      });
      return;
    }
    case 'call_ended': {
      const d = event.data;
      if (d.status !== 'failed') return;
      row('', 'call_failed', 'ERROR', `Call ended as failed (${d.reason ?? 'no reason given'})`, 'call', null, 1, {
        reason: d.reason,
        error: d.error,
      });
      return;
    }
    case 'message_added': {
      const d = event.data;
      if (!isSlaViolation(d)) return;
      row(
        ':sla',
        'sla_violation',
        'WARNING',
        `Response time ${Math.round(d.processingTimeMs ?? 0)} ms exceeded the SLA of ${d.slaThresholdMs} ms`,
        'sla',
        d.conversationId,
        1,
        { messageId: d.messageId, responseTimeMs: d.processingTimeMs, slaThresholdMs: d.slaThresholdMs },
      );
      return;
    }
    default:
      return;
  }
}
