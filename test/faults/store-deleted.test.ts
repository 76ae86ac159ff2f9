import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ConversationLogger } from '../../src/logger/conversation-logger.js';

let logger: ConversationLogger | null = null;
afterEach(async () => {
  await logger?.close({ timeoutMs: 2000 });
  logger = null;
});

/** A winston logger that keeps what it is given. */
function capturingLog(): { log: winston.Logger; records: Array<{ level: string; message: string; lost?: number }> } {
  const records: Array<{ level: string; message: string; lost?: number }> = [];
  const log = winston.createLogger({
    level: 'warn',
    format: winston.format.json(),
    transports: [
      new winston.transports.Stream({
        stream: new Writable({ write: (c: Buffer, _e, done) => (records.push(JSON.parse(c.toString())), done()) }),
      }),
    ],
  });
  return { log, records };
}

// SQLite only: a PostgreSQL store has no file of its own to delete.
describe('store directory deleted under a running writer [sqlite]', () => {
  for (const writerThread of ['worker', 'inline'] as const)
    it(`given a SQLite store in use (${writerThread} writer), when its directory is deleted, then writes are refused STORE_LOST, counted, logged at error, and the writer says it is degraded`, async () => {
      // given: a store in use, its writes acknowledged
      const dir = path.join(inject('tmpDir'), `deleted-${writerThread}-${process.pid}`);
      const { log, records } = capturingLog();
      logger = await ConversationLogger.open({
        databaseUrl: `sqlite:${path.join(dir, 'store.db')}`,
        writerThread,
        flushIntervalMs: 5,
        log,
      });
      await logger.startCall({ callId: 'deleted' });
      const conversationId = await logger.startConversation({ callId: 'deleted' });
      await logger.logUserMessage({ conversationId, content: 'before the directory went' });

      // when: the directory is deleted (an operator's rm -rf, a tmp cleaner)
      fs.rmSync(dir, { recursive: true, force: true });
      const after = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => logger!.logUserMessage({ conversationId, content: `after ${i}` })),
      );
      const later = await Promise.allSettled([logger.logEvent({ eventType: 'later', message: 'refused at once', callId: 'deleted' })]);

      // then: nothing after it is acknowledged; each write says why; the loss is counted and logged
      for (const s of [...after, ...later]) {
        expect(s.status).toBe('rejected');
        expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'STORE_LOST', retryable: false, field: 'DATABASE_URL' });
      }
      expect(logger.getWriterStats()).toMatchObject({ degraded: true, lost: 11 });
      const errors = records.filter((r) => r.level === 'error' && /deleted or replaced/.test(r.message));
      expect(errors).toHaveLength(1);
      // The log line carries counts, never the transcript.
      expect(JSON.stringify(records)).not.toContain('after 0');
    });
});
