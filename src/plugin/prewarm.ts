import type { WriterThread } from '../config/config.js';
import type { ConversationLogger } from '../logger/conversation-logger.js';
import { getConversationLogger } from '../logger/global.js';
import { defaultRelease } from '../config/release.js';
import { loadAgentsInfo } from './agents-info.js';
import { storeOverrides, type ConversationLogConfig } from './config.js';

/** The key under which {@link prewarmConversationLog} leaves the logger in `proc.userData`. */
export const PREWARMED_LOGGER = 'livekit-conversation-log';

/** The part of LiveKit's `JobProcess` the plugin uses: its `userData`. */
export interface JobProcessLike {
  userData: object;
}

export interface PrewarmOptions extends ConversationLogConfig {
  /**
   * Where batches are written: `inline` (default here: on the job process's own thread and
   * connection — one connection per process, no second JavaScript heap), `worker` (a writer
   * thread with its own connection) or `process` (a writer process of its own, which a fatal
   * signal in the driver ends instead of the agent). `CONVERSATION_LOG_WRITER` overrides the default.
   */
  writer?: WriterThread;
}

/**
 * Opens the process-wide conversation log before any call: for `defineAgent({ prewarm })`,
 * which LiveKit runs once in each idle job process.
 *
 * @remarks
 * The import of `@livekit/agents`, the database connection and the schema check (migrations)
 * happen here, while the process waits for a job; {@link attachConversationLog} in `entry` then
 * finds the logger in `proc.userData` (and the process-wide one is the same), so the call
 * opens nothing. In a job process the writer runs inline on one connection (PostgreSQL: a pool
 * of one; SQLite: no checkpoint thread, the WAL is checkpointed when the process closes the
 * store), which is the budget of a process per call; `DB_POOL_SIZE`, `DB_POOL_OVERFLOW` and
 * `CONVERSATION_LOG_WRITER` override that. The logger flushes with the call's shutdown callback
 * (for at most `shutdownTimeoutMs`, see {@link attachConversationLog}) and closes when the process
 * is about to exit.
 *
 * @throws ConversationLogError `CONFIG_INVALID`, `DB_UNAVAILABLE`, `MIGRATION_FAILED`: the
 *   process fails to initialise, and LiveKit starts another.
 *
 * @example
 * ```ts
 * export default defineAgent({
 *   prewarm: (proc) => prewarmConversationLog(proc, config),
 *   entry: async (ctx) => {
 *     const session = new voice.AgentSession({ llm, stt, tts });
 *     await attachConversationLog(session, ctx, config);
 *     await session.start({ agent: new MyAgent(), room: ctx.room });
 *   },
 * });
 * ```
 */
export async function prewarmConversationLog(proc: JobProcessLike, config: PrewarmOptions = {}): Promise<ConversationLogger> {
  const env = process.env;
  const onePerProcess = {
    ...(env['CONVERSATION_LOG_WRITER'] ? {} : { writerThread: config.writer ?? 'inline' }),
    ...(env['DB_POOL_SIZE'] ? {} : { poolSize: 1 }),
    ...(env['DB_POOL_OVERFLOW'] ? {} : { poolOverflow: 0 }),
    // SQLite: no checkpoint thread; the process checkpoints the WAL when it closes, after its call.
    checkpointIntervalMs: 0,
  } as const;
  const logger = getConversationLogger({ ...onePerProcess, ...storeOverrides(config) });
  await Promise.all([logger.dataSource(), loadAgentsInfo()]);
  // The default release (CONVERSATION_LOG_RELEASE or the git commit) read now, not in the first call.
  defaultRelease();
  (proc.userData as Record<string, unknown>)[PREWARMED_LOGGER] = logger;
  return logger;
}

/** The logger {@link prewarmConversationLog} left in a job process's `userData`, if any. */
export function prewarmedLogger(proc: JobProcessLike | undefined): ConversationLogger | undefined {
  return (proc?.userData as Record<string, unknown> | undefined)?.[PREWARMED_LOGGER] as ConversationLogger | undefined;
}
