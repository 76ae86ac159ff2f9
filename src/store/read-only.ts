import fs from 'node:fs';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConversationLogNamingStrategy, entitiesFor } from '../../entities/index.js';
import { MIGRATIONS } from '../../migrations/index.js';
import type { StoreConfig } from '../config/config.js';
import { describeStore } from '../config/describe-store.js';
import { WinstonTypeOrmLogger, type Log } from '../config/log.js';
import { ConversationLogError } from '../errors.js';
import { MIGRATIONS_TABLE } from './data-source.js';
import { MigrationManager } from './migration-manager.js';

/**
 * Opens a store to read it only: no writer thread, no migration, nothing created. A SQLite file
 * is opened read-only and must exist; either backend's schema must be fully migrated.
 *
 * @remarks
 * What the CLI's read-only commands (`calls`, `show`, `stats`, `tail`, `export`) use, so a
 * mistyped path is refused instead of becoming an empty store. With `readUrl` set (a PostgreSQL
 * read replica) it opens the replica.
 * @throws ConversationLogError `STORE_NOT_FOUND` when the SQLite file does not exist (or is `:memory:`),
 *   `SCHEMA_BEHIND` when migrations are pending, `DB_UNAVAILABLE` when the database cannot be opened.
 */
export async function openReadOnly(config: StoreConfig, log: Log): Promise<DataSource> {
  // With a read replica, reads go there.
  const url = config.readUrl ?? config.databaseUrl;
  const field = config.readUrl === null ? 'DATABASE_URL' : 'CONVERSATION_LOG_READ_URL';
  const where = describeStore({ ...config, databaseUrl: url });
  const common = {
    entities: entitiesFor(config.dialect),
    namingStrategy: new ConversationLogNamingStrategy(),
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    synchronize: false,
    migrationsRun: false,
    logging: config.logSql ? ('all' as const) : (['error', 'warn'] as Array<'error' | 'warn'>),
    logger: new WinstonTypeOrmLogger(log, config.logSql),
  };
  let dataSource: DataSource;
  if (config.dialect === 'sqlite') {
    const file = config.sqlitePath ?? ':memory:';
    if (file === ':memory:' || !fs.existsSync(file))
      throw new ConversationLogError(
        'STORE_NOT_FOUND',
        `no store at ${where}: the file does not exist. Check DATABASE_URL / --database-url (or run "convlog migrate" to create it).`,
        { field: 'DATABASE_URL' },
      );
    dataSource = new DataSource({ ...common, type: 'better-sqlite3', database: file, readonly: true, fileMustExist: true, timeout: 5_000 });
  } else {
    const max = Math.min(4, config.poolSize + config.poolOverflow);
    dataSource = new DataSource({
      ...common,
      type: 'postgres',
      url,
      poolSize: max,
      extra: { max, connectionTimeoutMillis: 5_000, application_name: 'livekit-conversation-log (read-only)' },
    });
  }
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new ConversationLogError(
      'DB_UNAVAILABLE',
      `Cannot open ${where}: ${(error as Error).message}. Check that it is running and reachable.`,
      {
        field,
        retryable: true,
        cause: error,
      },
    );
  }
  try {
    const status = await new MigrationManager(dataSource).getMigrationStatus();
    if (status.pendingCount > 0)
      throw new ConversationLogError(
        'SCHEMA_BEHIND',
        status.applied.length === 0
          ? `${where} has no conversation-log schema: run "convlog migrate" (or start the agent once), or check DATABASE_URL.`
          : `the schema of ${where} is behind (${status.pendingCount} migration(s) pending: ${status.pending.join(', ')}): run "convlog migrate".`,
        { field },
      );
    return dataSource;
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
}
