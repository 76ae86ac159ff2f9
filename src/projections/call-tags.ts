import { CALL_TAGS } from '../../entities/tables.js';
import type { Projection } from './projection.js';
import { callOf, pgSafe } from './projection.js';

const INSERT = `${CALL_TAGS.insertSql} ON CONFLICT (call_id, tag) DO NOTHING`;

/** `call_tags`: one row per call and tag (`call_tagged`); the first event that put a tag on is kept. */
export const callTagsProjection: Projection = {
  name: 'call_tags',
  table: 'call_tags',
  canHandle: ['call_tagged'],
  async handle(events, ctx) {
    for (const event of events)
      if (event.type === 'call_tagged')
        await ctx.exec(
          INSERT,
          CALL_TAGS.values({
            callId: callOf(event),
            tag: pgSafe(ctx, event.data.tag),
            eventPosition: event.position,
            taggedAt: event.occurredAt,
          }),
        );
  },
};
