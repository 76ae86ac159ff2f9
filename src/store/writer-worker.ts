/**
 * The writer's worker thread (or writer process, `writerThread: 'process'`): owns its own TypeORM DataSource (and so its own database
 * connection) and runs every batch transaction, the way a pino transport owns its destination.
 * The application thread only hands over batches of events (JSON, or handed-over data serialised here).
 */
import { Writable } from 'node:stream';
import winston from 'winston';
import type { DataSource } from 'typeorm';
import { BatchAppender } from './batch-appender.js';
import { createDataSource, openSqliteWrites } from './data-source.js';
import { lowerThreadPriority } from './thread-priority.js';
import { parentChannel } from './thread/parent-channel.js';
import {
  NOT_ATTEMPTED,
  fromWireBatch,
  toWireError,
  toWireOutcomes,
  type FromWorker,
  type ToWorker,
  type WorkerData,
} from './worker-protocol.js';

const port = parentChannel<ToWorker, FromWorker>();
const { config } = port.data as WorkerData;
const post = (message: FromWorker) => port.post(message);
// Under CPU contention the application's threads (its audio path) go first.
lowerThreadPriority(config.writerNice);

/** Log records go to the application thread's logger. */
const log = winston.createLogger({
  level: config.logLevel,
  transports: [
    new winston.transports.Stream({
      stream: new Writable({
        objectMode: true,
        write(info: Record<string, unknown>, _encoding, done) {
          const { level, message, ...meta } = info;
          let plain: Record<string, unknown>;
          try {
            plain = structuredClone(meta);
          } catch {
            plain = JSON.parse(JSON.stringify(meta)) as Record<string, unknown>;
          }
          post({ kind: 'log', level: String(level), message: String(message), meta: plain });
          done();
        },
      }),
    }),
  ],
});

const dataSource: DataSource = createDataSource(config, log, { role: 'writer' });
let opening: Promise<DataSource> | null = null;
/** Opens the connection; after a failure the next batch tries again (the writer retries with backoff). */
const ready = (): Promise<DataSource> => {
  if (dataSource.isInitialized) return Promise.resolve(dataSource);
  opening ??= dataSource
    .initialize()
    .then(async (ds) => {
      await openSqliteWrites(ds, config);
      return ds;
    })
    .finally(() => {
      opening = null;
    });
  return opening;
};
const appender = new BatchAppender(ready, config);
/** Epoch of the last batch that failed: batches of that epoch or before, handed over behind it, are refused. */
let failedEpoch = -1;

async function handle(message: ToWorker): Promise<unknown> {
  switch (message.kind) {
    case 'batch': {
      if (message.epoch <= failedEpoch) return NOT_ATTEMPTED;
      try {
        return toWireOutcomes(await appender.run(fromWireBatch(message.batch), message.retry));
      } catch (error) {
        failedEpoch = Math.max(failedEpoch, message.epoch);
        throw error;
      }
    }
    case 'clear':
      appender.clearState();
      return null;
    case 'pause-checkpoints':
      await appender.pauseCheckpoints();
      return null;
    case 'resume-checkpoints':
      appender.resumeCheckpoints();
      return null;
    case 'stats':
      return appender.checkpointStats();
    case 'close':
      await appender.stop();
      // An open still under way would leave a connection (and the thread) alive.
      await opening?.catch(() => undefined);
      if (dataSource.isInitialized) await dataSource.destroy();
      return null;
  }
}

// One message at a time, in order: a batch, a state reset and the close never overlap.
let tail: Promise<void> = Promise.resolve();
port.onMessage((message) => {
  // Not queued: it runs as soon as the thread is back from its current statement.
  if (message.kind === 'abort') process.exit(0);
  tail = tail.then(async () => {
    try {
      post({ kind: 'reply', id: message.id, ok: true, value: await handle(message) });
    } catch (error) {
      post({ kind: 'reply', id: message.id, ok: false, error: toWireError(error) });
    }
    if (message.kind === 'close') port.close();
  });
});

post({ kind: 'ready' });
// Open now, so the first batch does not wait for the connection; a failure is retried then.
ready().catch(() => undefined);
