import { createLog, type Log } from '../config/log.js';
import type { LogLevel, StoreConfig } from '../config/config.js';
import { ConversationLogger } from '../logger/conversation-logger.js';
import { storeOverrides } from '../plugin/config.js';
import type { RedactionOptions } from '../redact/redact-event.js';
import { loadConfigFile } from './config-file.js';

/** What every command gets: its streams, and the store opened from the config file and env. */
export interface CliContext {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Opens the store (once): `--database-url`, else DATABASE_URL, else the config file, else the default. */
  openLogger(flags: StoreFlags): Promise<ConversationLogger>;
  /**
   * The store settings those sources give, a log at the CLI's level (for commands that open the
   * database themselves) and the config file's personal-data handling (`import` redacts like the agent).
   */
  storeOptions(flags: StoreFlags): Promise<{ overrides: Partial<StoreConfig>; log: Log; redaction: RedactionOptions | undefined }>;
  /** Resolves when the user presses Ctrl-C (SIGINT) or the process gets SIGTERM. */
  interrupted: Promise<void>;
  close(): Promise<void>;
}

export interface StoreFlags {
  config?: string | undefined;
  'database-url'?: string | undefined;
}

const LEVELS = new Set(['error', 'warn', 'info', 'debug']);

export function createContext(): CliContext {
  let logger: Promise<ConversationLogger> | null = null;
  // Installed on first use: until a command waits for Ctrl-C, Ctrl-C keeps its default (exit).
  let interrupted: Promise<void> | null = null;
  const onInterrupt = () =>
    (interrupted ??= new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }));
  const env = process.env;
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env,
    cwd: process.cwd(),
    get interrupted() {
      return onInterrupt();
    },
    async storeOptions(flags) {
      const { config } = await loadConfigFile(flags.config);
      const overrides = storeOverrides(config, env);
      if (flags['database-url']) overrides.databaseUrl = flags['database-url'];
      // Quiet by default: a terminal tool prints results, not info logs (LOG_LEVEL / DEBUG raise it).
      const level = env['LOG_LEVEL'] && LEVELS.has(env['LOG_LEVEL']) ? (env['LOG_LEVEL'] as LogLevel) : env['DEBUG'] === 'true' ? 'debug' : 'warn';
      return { overrides: { ...overrides, logSql: level === 'debug' }, log: createLog(level), redaction: config.redaction };
    },
    openLogger(flags) {
      logger ??= this.storeOptions(flags).then(({ overrides, log, redaction }) =>
        ConversationLogger.open({ ...overrides, log, ...(redaction === undefined ? {} : { redaction }) }),
      );
      return logger;
    },
    async close() {
      if (logger) await (await logger.catch(() => null))?.close();
    },
  };
}
