import type { Log } from '../config/log.js';
import { lockWaitReport, outageReport, type Outage, type Report } from './writer-reports.js';
import type { WriterStats } from './writer-types.js';

/** A lock wait at least this long is recorded (`store_lock_wait`, WARNING); shorter ones are only counted. */
const LOCK_WAIT_REPORT_MS = 1_000;

/**
 * The writer's record of a database outage: opened by the first failed attempt (logged once),
 * closed by the next commit with the system event that puts it on record. A wait on another
 * writer's lock that then commits is contention: counted (`lockWaits`), recorded only when long.
 */
export class OutageTracker {
  private outage: Outage | null = null;

  constructor(
    private readonly stats: WriterStats,
    private readonly log: Log,
  ) {}

  /** When the outage under way started (ms epoch); only asked during one. */
  get since(): number {
    return this.outage!.since;
  }

  /**
   * A failed attempt, retried. A wait on another writer's lock is contention, logged at debug;
   * any other failure makes it an outage, logged once at error.
   */
  failed(error: unknown, attempt: number, lockWait: boolean, queued: number): void {
    const message = (error as Error)?.message ?? String(error);
    if (!this.outage) {
      this.outage = { since: Date.now(), attempts: 0, error: message, lockOnly: lockWait };
      this.stats.degraded = true;
      if (lockWait) this.log.debug('conversation log database locked by another writer; retrying', { queued });
      else this.started(message, queued);
    } else if (this.outage.lockOnly && !lockWait) {
      this.outage.lockOnly = false;
      this.outage.error = message;
      this.started(message, queued);
    }
    this.outage.attempts = attempt + 1;
  }

  private started(message: string, queued: number): void {
    this.log.error('conversation log database write failed; retrying with backoff, the agent is not affected', {
      error: message,
      queued,
    });
  }

  /** A batch committed: ends the outage under way, if any; returns the report that puts it on record, or null. */
  recovered(): Report | null {
    if (!this.outage) return null;
    const outage = this.outage;
    this.outage = null;
    this.stats.degraded = false;
    const durationMs = Date.now() - outage.since;
    const { attempts } = outage;
    if (outage.lockOnly) {
      // A wait that committed: counted; on record (WARNING) only when it was long.
      this.stats.lockWaits++;
      if (durationMs < LOCK_WAIT_REPORT_MS) {
        this.log.debug('conversation log database lock wait over', { durationMs, attempts });
        return null;
      }
      this.log.warn('conversation log database writes waited for another writer and committed', { durationMs, attempts });
      return lockWaitReport(outage, durationMs);
    }
    this.log.warn('conversation log database writes recovered', { durationMs, attempts });
    return outageReport(outage, durationMs, this.stats.dropped);
  }
}
