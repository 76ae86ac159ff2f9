import type { DataSource } from 'typeorm';
import { invalidArgument } from '../errors.js';
import type { Dialect } from '../config/dialect.js';
import { unindexCalls } from '../projections/search-index.js';
import { inTransaction } from './transaction.js';
import { MAX_TIME_MS, timeMs, wholeNumber } from '../queries/sql.js';
import { deleteRecordings } from '../audio/recording-path.js';
import { dropMonthsBefore } from './partition-cleanup.js';
import { CALL_TABLES } from './call-tables.js';

/** Rows deleted per table. */
export interface CleanupResult {
  calls: number;
  conversations: number;
  messages: number;
  turns: number;
  conversationMetrics: number;
  systemEvents: number;
  /** Webhook deliveries of the deleted calls (delivered or not): the outbox goes with its call. */
  webhookDeliveries: number;
  callAnalyses: number;
  callTags: number;
  events: number;
  /** Recording files deleted (those of the deleted calls inside the recordings directory). */
  recordingFiles: number;
  /**
   * PostgreSQL: months of the log dropped whole (a partition each, with every call started
   * before the month's end); their rows are counted in the figures above. 0 on SQLite.
   */
  partitionsDropped: number;
  cutoff: number;
  batches: number;
  /** The longest single transaction (ms): how long the database was locked at most. */
  longestBatchMs: number;
}

export interface CleanupOptions {
  retentionDays: number;
  /** Calls deleted per transaction at most (default 25): smaller batches keep each lock short. */
  batchCalls?: number;
  /**
   * How long one transaction should hold the lock (ms, default 20): after a batch that took
   * longer, the next deletes half as many calls (down to one); after one that took under half
   * of it, more again (up to `batchCalls`). A slow or busy machine gets shorter locks.
   */
  targetBatchMs?: number;
  now?: number;
  /** Runs each batch; the logger passes its writer's exclusive lane so batches never overlap a flush. */
  runBatch?: <T>(fn: () => Promise<T>) => Promise<T>;
  onProgress?: (deletedCalls: number) => void;
  /**
   * The recordings directory: the recording files of the calls deleted are deleted too, those
   * inside it only (no symlink followed, nothing outside it touched). Null or absent: no file is.
   */
  recordingsDir?: string | null;
}

const CHILD_TABLES: ReadonlyArray<readonly [keyof CleanupResult, string, string]> = CALL_TABLES;

/**
 * Deletes calls that started more than `retentionDays` ago — their log events, every
 * projection row, their webhook deliveries and their recording files inside `recordingsDir` — plus system-level events older than that, in small transactions so the
 * database is never locked for long. Returns the rows deleted per table.
 */
export async function cleanupOldData(dataSource: DataSource, dialect: Dialect, options: CleanupOptions): Promise<CleanupResult> {
  const { retentionDays } = options;
  if (typeof retentionDays !== 'number' || !Number.isFinite(retentionDays) || retentionDays < 0)
    throw invalidArgument('retentionDays', `must be a number >= 0, got ${String(retentionDays)}.`);
  // 25 calls (~2,500 events of 100-event calls) per transaction keeps each lock well under 50 ms
  // on a 1M-event store (50 took 35–75 ms on a 2-core VM; see docs/performance.md); on a slower
  // machine the batch shrinks to keep each transaction near `targetBatchMs`.
  const batchCalls = options.batchCalls === undefined ? 25 : wholeNumber('batchCalls', options.batchCalls, 1, 10_000);
  const targetMs = options.targetBatchMs === undefined ? 20 : wholeNumber('targetBatchMs', options.targetBatchMs, 0, 60_000);
  const runBatch = options.runBatch ?? (<T>(fn: () => Promise<T>) => fn());
  const now = timeMs('now', options.now ?? Date.now());
  const cutoff = Math.max(-MAX_TIME_MS, now - Math.floor(retentionDays * 86_400_000));
  const result: CleanupResult = {
    calls: 0,
    conversations: 0,
    messages: 0,
    turns: 0,
    conversationMetrics: 0,
    systemEvents: 0,
    webhookDeliveries: 0,
    callAnalyses: 0,
    callTags: 0,
    events: 0,
    recordingFiles: 0,
    partitionsDropped: 0,
    cutoff,
    batches: 0,
    longestBatchMs: 0,
  };
  const recordingsDir = options.recordingsDir ?? null;
  // PostgreSQL: whole months of the log go first, a partition each; what is left of the
  // cutoff's month (and of the default partition) goes call by call below.
  if (dialect === 'postgres')
    await dropMonthsBefore(dataSource, cutoff, now, runBatch, async ({ partition: _, ms, recordingPaths, ...counts }) => {
      for (const [key, n] of Object.entries(counts)) result[key as keyof typeof counts] += n;
      result.partitionsDropped++;
      result.batches++;
      result.longestBatchMs = Math.max(result.longestBatchMs, ms);
      result.recordingFiles += await deleteRecordings(recordingsDir, recordingPaths);
      options.onProgress?.(result.calls);
    });
  let size = batchCalls;
  for (;;) {
    let elapsed = 0;
    const files: string[] = [];
    const limit = size;
    const more = await runBatch(async () => {
      const t0 = performance.now();
      const found = await inTransaction(dataSource, dialect, async ({ ctx }) => {
        const ids = (
          await ctx.query<{ id: string }>(`SELECT id FROM calls WHERE started_at < ? ORDER BY started_at LIMIT ?`, [cutoff, limit])
        ).map((r) => r.id);
        if (ids.length === 0) return 0;
        const marks = ids.map(() => '?').join(', ');
        for (const r of await ctx.query<{ recording_path: unknown }>(
          `SELECT recording_path FROM calls WHERE recording_path IS NOT NULL AND id IN (${marks})`,
          ids,
        ))
          files.push(String(r.recording_path));
        await unindexCalls(ctx, ids);
        for (const [key, table, column] of CHILD_TABLES) {
          const rows = await ctx.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} IN (${marks})`, ids);
          await ctx.exec(`DELETE FROM ${table} WHERE ${column} IN (${marks})`, ids);
          result[key] += Number(rows[0]?.n ?? 0);
        }
        return ids.length;
      });
      elapsed = performance.now() - t0;
      result.batches++;
      result.longestBatchMs = Math.max(result.longestBatchMs, elapsed);
      return found;
    });
    // Once the rows are gone (committed): a file whose row stays is never deleted.
    result.recordingFiles += await deleteRecordings(recordingsDir, files);
    options.onProgress?.(result.calls);
    if (more < limit) break;
    if (elapsed > targetMs) size = Math.max(1, Math.floor(size / 2));
    else if (elapsed < targetMs / 2) size = Math.min(batchCalls, Math.ceil(size * 1.5));
    await new Promise((r) => setImmediate(r));
  }
  // System-level rows (no call), by age, in bounded batches.
  for (const [key, table, timeColumn, idColumn] of [
    ['systemEvents', 'system_events', 'created_at', 'id'],
    ['events', 'events', 'occurred_at', 'position'],
  ] as const) {
    for (;;) {
      const n = await runBatch(async () => {
        const t0 = performance.now();
        const deleted = await inTransaction(dataSource, dialect, async ({ ctx }) => {
          const ids = (
            await ctx.query<{ id: unknown }>(
              `SELECT ${idColumn} AS id FROM ${table} WHERE call_id IS NULL AND ${timeColumn} < ? LIMIT 2000`,
              [cutoff],
            )
          ).map((r) => r.id);
          // The time again, so a partitioned log looks in the old months only.
          if (ids.length)
            await ctx.exec(`DELETE FROM ${table} WHERE ${idColumn} IN (${ids.map(() => '?').join(', ')}) AND ${timeColumn} < ?`, [
              ...ids,
              cutoff,
            ]);
          return ids.length;
        });
        result.batches++;
        result.longestBatchMs = Math.max(result.longestBatchMs, performance.now() - t0);
        return deleted;
      });
      result[key] += n;
      if (n < 2000) break;
    }
  }
  return result;
}
