import { createLog } from '../src/config/log.js';

/**
 * The package's logger, silenced: the bench prints its own lines only (a stalled database is
 * expected to log). `BENCH_LOG=1` lets its records through, to stderr, to see why a run failed.
 */
export const quiet = createLog('error');
quiet.silent = !process.env['BENCH_LOG'];
