import { createLog } from '../src/config/log.js';

/** The package's logger, silenced: the bench prints its own lines only (a stalled database is expected to log). */
export const quiet = createLog('error');
quiet.silent = true;
