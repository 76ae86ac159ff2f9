import path from 'node:path';
import { ConversationLogError } from '../errors.js';
import { resolveWebhooks, webhooksFromEnv, type WebhookConfig, type WebhookEndpoint } from './webhooks.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/**
 * Where the writer runs its transactions: `worker` — in a worker thread that owns its own
 * database connection (the application's event loop only hands events over); `process` — the
 * same in a child process of its own, which a fatal signal in the database driver (SIGBUS from
 * a truncated SQLite `-shm` file) ends without ending the application; `inline` — on the
 * calling thread.
 */
export type WriterThread = 'worker' | 'process' | 'inline';

/** Resolved configuration of a store and its writer. */
export interface StoreConfig {
  /** `sqlite:<path>` (or `sqlite::memory:`) or `postgres://…`. */
  databaseUrl: string;
  dialect: 'sqlite' | 'postgres';
  /** File path of the SQLite database (`:memory:` allowed); null on PostgreSQL. */
  sqlitePath: string | null;
  /**
   * A PostgreSQL read replica (`CONVERSATION_LOG_READ_URL`, `postgres://…`), or null: when set, the
   * read-only CLI commands, `convlog serve`'s dashboard and the logger's statistics and search
   * read from it (they see what the replica has replayed); writes, migrations and
   * `getConversationHistory` (read-your-writes) stay on `databaseUrl`.
   */
  readUrl: string | null;
  /** node-postgres pool: connections kept open and reused (`DB_POOL_SIZE`, default 10). */
  poolSize: number;
  /**
   * Extra connections allowed under load on top of `poolSize` (`DB_POOL_OVERFLOW`, default 20).
   * node-postgres has a single cap, so the pool's `max` is `poolSize + poolOverflow`; connections
   * idle for `poolIdleTimeoutMs` are closed, which brings the pool back down after a burst.
   */
  poolOverflow: number;
  poolIdleTimeoutMs: number;
  /** Days of history `cleanupOldData()` keeps (`CONVERSATION_LOG_RETENTION_DAYS`, default 30). */
  retentionDays: number;
  /** Responses slower than this are SLA violations (ms, default 1500). */
  slaThresholdMs: number;
  /** SQLite busy timeout (ms). Short on purpose: the writer backs off in JS instead of blocking the event loop. */
  busyTimeoutMs: number;
  /** Events per transaction at most. */
  batchSize: number;
  /** How long an event may wait for its batch (ms). */
  flushIntervalMs: number;
  /** Bound of the in-memory queue (events); past it new events are dropped and counted. */
  maxQueueSize: number;
  /** First retry delay (ms); doubles per attempt with jitter, up to `retryMaxDelayMs`. */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /**
   * Where database writes run (`CONVERSATION_LOG_WRITER`): `worker` (default) — a worker thread
   * owns the write connection, so no transaction, statement or checkpoint ever runs on the
   * application's event loop; `process` — a child process owns it (about the RSS of a Node
   * process more), so a fatal signal in the driver — SQLite raises SIGBUS when its `-shm` file
   * is truncated under it, which no thread survives — ends the writer, which is replaced, and
   * not the application; `inline` — on the calling thread (the default, and the only choice,
   * for `sqlite::memory:`, which a second thread cannot open).
   */
  writerThread: WriterThread;
  /**
   * SQLite: how often (ms) the checkpoint thread copies the WAL into the database file. Commits
   * never checkpoint; the thread does, off every writer's path. 0: no thread; the store
   * checkpoints when it closes (a LiveKit job process's default, see `prewarmConversationLog`:
   * one call's events, and no second JavaScript heap in every job process).
   */
  checkpointIntervalMs: number;
  /**
   * Linux: niceness (0–19) of the writer and checkpoint threads, so under CPU contention they
   * yield to the application's own threads (the audio path) instead of competing with them.
   * 0 leaves them at the process's priority. Other platforms ignore it.
   */
  writerNice: number;
  /**
   * Where call recordings are kept (`CONVERSATION_LOG_RECORDINGS_DIR`, or `recordings.dir` in
   * the config file; absolute once resolved): the plugin copies each call's recording here,
   * the dashboard serves recordings from here only, and `cleanup` deletes the files here of the
   * calls it deletes. Null (the default): recordings stay where LiveKit wrote them, the
   * dashboard plays none and `cleanup` deletes no file.
   */
  recordingsDir: string | null;
  /**
   * A turn whose heard latency (measured from the recording) differs from its reported
   * end-to-end latency by more than this is flagged a mismatch
   * (`CONVERSATION_LOG_HEARD_MISMATCH_MS`, ms, default 150).
   */
  heardMismatchMs: number;
  logLevel: LogLevel;
  /** Log every SQL statement (DEBUG=true or LOG_LEVEL=debug). */
  logSql: boolean;
  /**
   * Where call reports are POSTed (see `WebhookConfig`): the option, else
   * `CONVERSATION_LOG_WEBHOOK_URL` + `CONVERSATION_LOG_WEBHOOK_SECRET`, else `agent.config.ts`,
   * else none. The writer queues a delivery per endpoint in the outbox, in the transaction that
   * appends the call's `call_ended`.
   */
  webhooks: readonly WebhookEndpoint[];
}

/** What may override the resolved {@link StoreConfig}: any of its fields, webhooks as configured (defaults not filled in). */
export type StoreOverrides = Omit<Partial<StoreConfig>, 'webhooks'> & {
  /**
   * Where each call's report is POSTed when it ends (and when its analysis completes), signed
   * and retried from the store's outbox; over `CONVERSATION_LOG_WEBHOOK_URL` and the config file.
   */
  webhooks?: readonly WebhookConfig[] | undefined;
};

export const DEFAULT_DATABASE_URL = 'sqlite:./data/voice_ai.db';

export const DEFAULTS: Omit<StoreConfig, 'databaseUrl' | 'dialect' | 'sqlitePath' | 'readUrl' | 'writerThread' | 'webhooks'> = {
  poolSize: 10,
  poolOverflow: 20,
  poolIdleTimeoutMs: 30_000,
  retentionDays: 30,
  slaThresholdMs: 1500,
  busyTimeoutMs: 20,
  batchSize: 500,
  flushIntervalMs: 50,
  maxQueueSize: 100_000,
  retryBaseDelayMs: 50,
  retryMaxDelayMs: 5_000,
  checkpointIntervalMs: 1_000,
  writerNice: 10,
  recordingsDir: null,
  heardMismatchMs: 150,
  logLevel: 'info',
  logSql: false,
};

const configError = (field: string, problem: string): ConversationLogError =>
  new ConversationLogError('CONFIG_INVALID', `${field} ${problem}`, { field });

function parseIntVar(field: string, raw: string | undefined, min: number, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const trimmed = raw.trim();
  if (!/^\d+$/.test(trimmed)) throw configError(field, `must be a whole number >= ${min}, got ${JSON.stringify(raw)}.`);
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value) || value < min)
    throw configError(field, `must be a whole number >= ${min}, got ${JSON.stringify(raw)}.`);
  return value;
}

/**
 * `CONVERSATION_LOG_SLA_MS`: milliseconds >= 0, or undefined when unset. Read here only, by
 * {@link loadConfig} and by the plugin's config, so every part of the package agrees on the SLA.
 */
export function parseSlaVar(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const trimmed = raw.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed))
    throw configError('CONVERSATION_LOG_SLA_MS', `must be a number of milliseconds >= 0, got ${JSON.stringify(raw)}.`);
  return Number(trimmed);
}

/** A directory setting: trimmed, absolute; undefined or empty is none. */
function parseDirVar(field: string, raw: string | null | undefined): string | null {
  if (raw === undefined || raw === null || raw.trim() === '') return null;
  if (typeof raw !== 'string') throw configError(field, `must be a directory path, got ${JSON.stringify(raw)}.`);
  if (raw.includes('\0')) throw configError(field, 'contains a NUL byte.');
  return path.resolve(raw.trim());
}

function parseBoolVar(field: string, raw: string | undefined): boolean {
  if (raw === undefined || raw.trim() === '') return false;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw configError(field, `must be true or false, got ${JSON.stringify(raw)}.`);
}

function parseWriterThread(raw: string | undefined): WriterThread | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const v = raw.trim().toLowerCase();
  if (v === 'worker' || v === 'process' || v === 'inline') return v;
  throw configError('CONVERSATION_LOG_WRITER', `must be worker, process or inline, got ${JSON.stringify(raw)}.`);
}

function parseLogLevel(raw: string | undefined): LogLevel {
  if (raw === undefined || raw.trim() === '') return DEFAULTS.logLevel;
  const v = raw.trim().toLowerCase();
  const mapped = v === 'warning' ? 'warn' : v === 'critical' || v === 'fatal' ? 'error' : v;
  if (mapped === 'error' || mapped === 'warn' || mapped === 'info' || mapped === 'debug') return mapped;
  throw configError('LOG_LEVEL', `must be one of error, warn, info, debug, got ${JSON.stringify(raw)}.`);
}

/** Parses a `DATABASE_URL` into dialect and SQLite path; throws CONFIG_INVALID naming `field`. */
export function parseDatabaseUrl(url: string, field = 'DATABASE_URL'): { dialect: 'sqlite' | 'postgres'; sqlitePath: string | null } {
  const trimmed = url.trim();
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    try {
      const parsed = new URL(trimmed);
      if (!parsed.hostname && !parsed.searchParams.get('host')) throw new Error('no host');
    } catch {
      throw configError(field, 'is not a valid PostgreSQL URL (expected postgres://user@host:5432/database).');
    }
    return { dialect: 'postgres', sqlitePath: null };
  }
  const m = /^sqlite:(.*)$/i.exec(trimmed);
  if (m) {
    // Accept sqlite:./x.db, sqlite:/abs/x.db, sqlite:///./x.db (SQLAlchemy style), sqlite::memory:
    let p = m[1] ?? '';
    if (p.startsWith('///')) p = p.slice(3);
    else if (p.startsWith('//')) p = p.slice(2);
    if (p === '') throw configError(field, 'names no SQLite file (expected sqlite:./data/voice_ai.db).');
    if (p === ':memory:') return { dialect: 'sqlite', sqlitePath: ':memory:' };
    if (p.includes('\0')) throw configError(field, 'contains a NUL byte.');
    return { dialect: 'sqlite', sqlitePath: path.resolve(p) };
  }
  throw configError(field, `must start with sqlite: or postgres://, got ${JSON.stringify(trimmed.replace(/\/\/[^@/]*@/, '//***@'))}.`);
}

/**
 * Reads and validates the configuration from the environment, with `overrides` on top.
 *
 * @throws ConversationLogError `CONFIG_INVALID` naming the bad variable.
 */
export function loadConfig(overrides: StoreOverrides = {}, env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const databaseUrl = overrides.databaseUrl ?? (env['DATABASE_URL']?.trim() || DEFAULT_DATABASE_URL);
  const { dialect, sqlitePath } = parseDatabaseUrl(databaseUrl, overrides.databaseUrl !== undefined ? 'databaseUrl' : 'DATABASE_URL');
  const debug = parseBoolVar('DEBUG', env['DEBUG']);
  const logLevel = overrides.logLevel ?? (debug ? 'debug' : parseLogLevel(env['LOG_LEVEL']));
  const writerThread =
    overrides.writerThread ?? parseWriterThread(env['CONVERSATION_LOG_WRITER']) ?? (sqlitePath === ':memory:' ? 'inline' : 'worker');
  if (writerThread !== 'inline' && sqlitePath === ':memory:')
    throw configError(
      overrides.writerThread !== undefined ? 'writerThread' : 'CONVERSATION_LOG_WRITER',
      `cannot be ${String(writerThread)} for sqlite::memory: (another thread or process cannot open the same in-memory database); use inline or a SQLite file.`,
    );
  if (writerThread !== 'worker' && writerThread !== 'process' && writerThread !== 'inline')
    throw configError('writerThread', `must be worker, process or inline, got ${JSON.stringify(writerThread)}.`);
  const config: StoreConfig = {
    ...DEFAULTS,
    poolSize: parseIntVar('DB_POOL_SIZE', env['DB_POOL_SIZE'], 1, DEFAULTS.poolSize),
    poolOverflow: parseIntVar('DB_POOL_OVERFLOW', env['DB_POOL_OVERFLOW'], 0, DEFAULTS.poolOverflow),
    retentionDays: parseIntVar('CONVERSATION_LOG_RETENTION_DAYS', env['CONVERSATION_LOG_RETENTION_DAYS'], 1, DEFAULTS.retentionDays),
    slaThresholdMs: parseSlaVar(env['CONVERSATION_LOG_SLA_MS']) ?? DEFAULTS.slaThresholdMs,
    recordingsDir: parseDirVar('CONVERSATION_LOG_RECORDINGS_DIR', env['CONVERSATION_LOG_RECORDINGS_DIR']),
    heardMismatchMs: parseIntVar(
      'CONVERSATION_LOG_HEARD_MISMATCH_MS',
      env['CONVERSATION_LOG_HEARD_MISMATCH_MS'],
      0,
      DEFAULTS.heardMismatchMs,
    ),
    logLevel,
    logSql: logLevel === 'debug',
    ...stripUndefined(overrides),
    webhooks: overrides.webhooks !== undefined ? resolveWebhooks(overrides.webhooks) : (webhooksFromEnv(env) ?? []),
    databaseUrl,
    dialect,
    sqlitePath,
    readUrl:
      overrides.readUrl !== undefined
        ? parseReadUrl('readUrl', overrides.readUrl, dialect)
        : parseReadUrl('CONVERSATION_LOG_READ_URL', env['CONVERSATION_LOG_READ_URL'], dialect),
    writerThread,
  };
  if (config.recordingsDir !== null) config.recordingsDir = parseDirVar('recordingsDir', config.recordingsDir);
  validateNumbers(config);
  return config;
}

/** A read replica's URL: PostgreSQL, beside a PostgreSQL store; null when unset. */
function parseReadUrl(field: string, raw: string | null | undefined, dialect: StoreConfig['dialect']): string | null {
  if (raw === undefined || raw === null || raw.trim() === '') return null;
  const url = raw.trim();
  if (!/^postgres(ql)?:\/\//i.test(url))
    throw configError(field, 'must be a postgres:// URL of a read replica of the store (reads go there; writes stay on DATABASE_URL).');
  if (dialect !== 'postgres')
    throw configError(
      field,
      'is for PostgreSQL stores only: a SQLite store has no replica (unset it, or point DATABASE_URL at the primary).',
    );
  return url;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function validateNumbers(c: StoreConfig): void {
  const checks: Array<[keyof StoreConfig, number]> = [
    ['poolSize', 1],
    ['poolOverflow', 0],
    ['retentionDays', 1],
    ['slaThresholdMs', 0],
    ['busyTimeoutMs', 0],
    ['batchSize', 1],
    ['flushIntervalMs', 0],
    ['maxQueueSize', 1],
    ['retryBaseDelayMs', 1],
    ['retryMaxDelayMs', 1],
    ['checkpointIntervalMs', 0],
    ['writerNice', 0],
    ['heardMismatchMs', 0],
  ];
  for (const [key, min] of checks) {
    const v = c[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
      throw configError(key, `must be a number >= ${min}, got ${JSON.stringify(v)}.`);
  }
  if (!Number.isInteger(c.writerNice) || c.writerNice > 19)
    throw configError('writerNice', `must be a whole number from 0 to 19, got ${c.writerNice}.`);
}
