import { InitialSchema1764028800000 } from './1764028800000-initial-schema.js';
import { MessageSearch1796256000000 } from './1796256000000-message-search.js';
import { ReleaseStamps1796256000100 } from './1796256000100-release-stamps.js';
import { Recordings1796256000200 } from './1796256000200-recordings.js';

/** Every migration, oldest first, as an array (no globs). */
export const MIGRATIONS = [InitialSchema1764028800000, MessageSearch1796256000000, ReleaseStamps1796256000100, Recordings1796256000200];
