import { InitialSchema1764028800000 } from './1764028800000-initial-schema.js';

/** Every migration, oldest first, as an array (no globs). */
export const MIGRATIONS = [InitialSchema1764028800000];
