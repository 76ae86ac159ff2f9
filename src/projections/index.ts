import { callAnalysesProjection } from './call-analyses.js';
import { callTagsProjection } from './call-tags.js';
import { callsProjection } from './calls.js';
import { conversationMetricsProjection } from './conversation-metrics.js';
import { conversationsProjection } from './conversations.js';
import { messagesProjection } from './messages.js';
import type { Projection } from './projection.js';
import { systemEventsProjection } from './system-events.js';
import { turnsProjection } from './turns.js';

export type { Projection, ProjectionContext } from './projection.js';

/** Inline projections in the order they apply (parents before children, for foreign keys). */
export const PROJECTIONS: readonly Projection[] = [
  callsProjection,
  conversationsProjection,
  messagesProjection,
  turnsProjection,
  conversationMetricsProjection,
  systemEventsProjection,
  callAnalysesProjection,
  callTagsProjection,
];
