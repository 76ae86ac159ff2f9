import { ConversationLogger, type ConversationLoggerOptions } from './conversation-logger.js';

let instance: ConversationLogger | null = null;

/**
 * The process-wide logger, configured from the environment on first use. Writes queue up
 * (bounded) while the database opens in the background; `await logger.flush()` to wait.
 * It flushes and closes when the process is about to exit normally (`beforeExit`), within
 * `close()`'s default timeout (10 s).
 *
 * @throws ConversationLogError `CONFIG_INVALID` when the environment is invalid.
 */
export function getConversationLogger(options: ConversationLoggerOptions = {}): ConversationLogger {
  if (instance === null) {
    const created = new ConversationLogger(options);
    instance = created;
    process.once('beforeExit', () => {
      void created.close().catch(() => undefined);
    });
  }
  return instance;
}

/** Closes and forgets the process-wide logger (tests, hot reload). */
export async function resetConversationLogger(): Promise<void> {
  const current = instance;
  instance = null;
  if (current) await current.close();
}
