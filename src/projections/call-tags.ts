import type { Projection } from './projection.js';
import { pgSafe } from './projection.js';

const INSERT = `INSERT INTO call_tags (call_id, tag, event_position, tagged_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (call_id, tag) DO NOTHING`;

/** `call_tags`: one row per call and tag (`call_tagged`); the first event that put a tag on is kept. */
export const callTagsProjection: Projection = {
  name: 'call_tags',
  table: 'call_tags',
  canHandle: ['call_tagged'],
  async handle(events, ctx) {
    for (const event of events)
      if (event.type === 'call_tagged')
        await ctx.exec(INSERT, [event.callId, pgSafe(ctx, event.data.tag), event.position, event.occurredAt]);
  },
};
