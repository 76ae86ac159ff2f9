import { InitialSchema1764028800000 } from './1764028800000-initial-schema.js';
import { MessageSearch1796256000000 } from './1796256000000-message-search.js';
import { ReleaseStamps1796256000100 } from './1796256000100-release-stamps.js';
import { SearchPosition1796256000200 } from './1796256000200-search-position.js';
import { WebhookOutbox1796256000300 } from './1796256000300-webhook-outbox.js';
import { CallAnalysis1796256000400 } from './1796256000400-call-analysis.js';
import { Recordings1796256000500 } from './1796256000500-recordings.js';
import { SqliteEntitySchema1796256000600 } from './1796256000600-sqlite-entity-schema.js';
import { SearchIndexSize1796256000700 } from './1796256000700-search-index-size.js';
import { PartitionedEvents1796256000800 } from './1796256000800-partitioned-events.js';

/** Every migration, oldest first, as an array (no globs). */
export const MIGRATIONS = [
  InitialSchema1764028800000,
  MessageSearch1796256000000,
  ReleaseStamps1796256000100,
  SearchPosition1796256000200,
  WebhookOutbox1796256000300,
  CallAnalysis1796256000400,
  Recordings1796256000500,
  SqliteEntitySchema1796256000600,
  SearchIndexSize1796256000700,
  PartitionedEvents1796256000800,
];
