import type { DataSource } from 'typeorm';
import { createLog, type Log } from '../config/log.js';
import { loadConfig, type LogLevel, type StoreConfig, type StoreOverrides } from '../config/config.js';
import { describeStore } from '../config/describe-store.js';
import { openReadOnly } from '../store/read-only.js';
import { ConversationLogger } from '../logger/conversation-logger.js';
import { storeOverrides } from '../plugin/config.js';
import type { RedactionOptions } from '../redact/redact-event.js';
import type { AnalysisOptions } from '../analysis/options.js';
import type { PricingTable } from '../config/pricing.js';
import { loadConfigFile } from './config-file.js';

/** What every command gets: its streams, and the store opened from the config file and env. */
export interface CliContext {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /**
   * Opens the store to write (once): `--database-url`, else DATABASE_URL, else the config file,
   * else the default. Says on stderr which store it opened (password masked), unless `--json`.
   */
  openLogger(flags: StoreFlags): Promise<ConversationLogger>;
  /**
   * Opens the same store read-only (once): no writer, no migration; a SQLite file that does not
   * exist and a schema that is behind are refused (typed errors). Says which store, like `openLogger`.
   */
  openReader(flags: StoreFlags): Promise<Reader>;
  /**
   * The store settings those sources give, a log at the CLI's level (for commands that open the
   * database themselves), the config file's personal-data handling (`import` redacts like the
   * agent), and its post-call analysis and prices (`analyze` runs the agent's analysis).
   */
  storeOptions(flags: StoreFlags): Promise<{
    overrides: StoreOverrides;
    log: Log;
    redaction: RedactionOptions | undefined;
    analysis: AnalysisOptions | undefined;
    pricing: Partial<PricingTable> | undefined;
  }>;
  /** Resolves when the user presses Ctrl-C (SIGINT) or the process gets SIGTERM. */
  interrupted: Promise<void>;
  close(): Promise<void>;
}

export interface StoreFlags {
  config?: string | undefined;
  'database-url'?: string | undefined;
  json?: string | boolean | undefined;
}

/** A read-only store: its DataSource, its resolved settings and how to name it. */
export interface Reader {
  dataSource: DataSource;
  config: StoreConfig;
  /** `sqlite:/abs/path.db` or the PostgreSQL URL with the password masked. */
  store: string;
}

const LEVELS = new Set(['error', 'warn', 'info', 'debug']);

export function createContext(): CliContext {
  let logger: Promise<ConversationLogger> | null = null;
  let reader: Promise<Reader> | null = null;
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
    stdin: process.stdin,
    env,
    cwd: process.cwd(),
    get interrupted() {
      return onInterrupt();
    },
    async storeOptions(flags) {
      const { config } = await loadConfigFile(flags.config);
      const overrides = storeOverrides(config, this.env);
      if (flags['database-url']) overrides.databaseUrl = flags['database-url'];
      // Quiet by default: a terminal tool prints results, not info logs (LOG_LEVEL / DEBUG raise it).
      const level =
        env['LOG_LEVEL'] && LEVELS.has(env['LOG_LEVEL']) ? (env['LOG_LEVEL'] as LogLevel) : env['DEBUG'] === 'true' ? 'debug' : 'warn';
      return {
        overrides: { ...overrides, logSql: level === 'debug' },
        log: createLog(level),
        redaction: config.redaction,
        analysis: config.analysis,
        pricing: config.pricing,
      };
    },
    openLogger(flags) {
      logger ??= this.storeOptions(flags).then(async ({ overrides, log, redaction }) => {
        const opened = await ConversationLogger.open({ ...overrides, log, ...(redaction === undefined ? {} : { redaction }) });
        if (!flags.json) this.stderr.write(`store: ${describeStore(opened.config)}\n`);
        return opened;
      });
      return logger;
    },
    openReader(flags) {
      reader ??= this.storeOptions(flags).then(async ({ overrides, log }) => {
        const config = loadConfig(overrides);
        const dataSource = await openReadOnly(config, log);
        const store = describeStore(config);
        const replica =
          config.readUrl === null ? '' : ` (reads from the replica ${describeStore({ ...config, databaseUrl: config.readUrl })})`;
        if (!flags.json) this.stderr.write(`store: ${store}${replica}\n`);
        return { dataSource, config, store };
      });
      return reader;
    },
    async close() {
      if (logger) await (await logger.catch(() => null))?.close();
      if (reader) await (await reader.catch(() => null))?.dataSource.destroy();
    },
  };
}
