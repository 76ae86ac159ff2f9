import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { quiet } from './quiet.js';
import { ConversationLogger } from '../src/logger/conversation-logger.js';
import { runLoad, type LoadOptions } from './event-loop.js';

export interface StallResult {
  maxQueueSize: number;
  /** Largest queue seen while the database was stalled. */
  queuePeak: number;
  dropped: number;
  /** Sum of `count` of the `events_dropped` rows the writer wrote once the database was back. */
  droppedRecorded: number;
  /** RSS when the stall began, at its peak during the stall, and its growth over the stall's last 40 %. */
  rssAtStallMb: number;
  rssPeakMb: number;
  rssGrowthWhileFullMb: number;
  /** From the end of the stall until the queue was empty again (s). */
  recoverySeconds: number;
  appended: number;
}

/**
 * The 50-call load against a SQLite store whose write lock another connection holds for
 * `stallMs` (a stalled database, as during a long migration or a backup): the queue must stay
 * within its bound, what it drops must be counted and recorded, and memory must level off.
 */
export async function measureStall(
  dir: string,
  load: Omit<LoadOptions, 'durationMs' | 'onTick'>,
  stallMs: number,
  maxQueueSize: number,
): Promise<StallResult> {
  const file = path.join(dir, 'stall.db');
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  const logger = await ConversationLogger.open({
    databaseUrl: `sqlite:${file}`,
    log: quiet,
    maxQueueSize,
  });
  await logger.logEvent({ eventType: 'bench', message: 'stall run' });
  const stallAt = 2_000;
  const releaseAt = stallAt + stallMs;
  const lastStretchAt = stallAt + stallMs * 0.6;
  let holder: Database.Database | null = null;
  let queuePeak = 0;
  let rssAtStall = 0;
  let rssAtLastStretch = 0;
  let rssPeak = 0;
  let rssEnd = 0;
  let released = 0;
  let drainedAt = 0;
  await runLoad(
    {
      ...load,
      durationMs: releaseAt + 8_000,
      onTick: (elapsed) => {
        const rss = process.memoryUsage.rss() / 2 ** 20;
        const { queued } = logger.getWriterStats();
        if (!holder && !released && elapsed >= stallAt) {
          holder = new Database(file);
          holder.exec('BEGIN IMMEDIATE'); // another connection holds the write lock
          rssAtStall = rss;
        }
        if (holder) {
          queuePeak = Math.max(queuePeak, queued);
          rssPeak = Math.max(rssPeak, rss);
          if (!rssAtLastStretch && elapsed >= lastStretchAt) rssAtLastStretch = rss;
          rssEnd = rss;
          if (elapsed >= releaseAt) {
            holder.exec('COMMIT');
            holder.close();
            holder = null;
            released = elapsed;
          }
        } else if (released && !drainedAt && queued < 1_000) drainedAt = elapsed;
      },
    },
    logger,
  );
  await logger.flush();
  await logger.flush();
  const stats = logger.getWriterStats();
  const ds = await logger.dataSource();
  const [row] = (await ds.query(`SELECT COALESCE(SUM(count), 0) AS n FROM system_events WHERE event_type = 'events_dropped'`)) as Array<{
    n: number;
  }>;
  await logger.close();
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  if (!released) throw new Error('the stall never started');
  return {
    maxQueueSize,
    queuePeak,
    dropped: stats.dropped,
    droppedRecorded: Number(row?.n ?? 0),
    rssAtStallMb: rssAtStall,
    rssPeakMb: rssPeak,
    rssGrowthWhileFullMb: rssEnd - rssAtLastStretch,
    recoverySeconds: drainedAt ? (drainedAt - released) / 1000 : NaN,
    appended: stats.appended,
  };
}
