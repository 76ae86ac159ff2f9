import winston from 'winston';
import type { Logger as TypeOrmLogger } from 'typeorm';
import type { LogLevel } from './config.js';

/**
 * The package's winston logger.
 *
 * @remarks
 * Message text never carries personal data (transcripts, phone numbers, tool arguments): those
 * stay in the database. SQL is logged at debug with its parameter count, never the values.
 */
export type Log = winston.Logger;

export function createLog(level: LogLevel): Log {
  return winston.createLogger({
    level,
    defaultMeta: { component: 'livekit-conversation-log' },
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}

/** Routes TypeORM's logging into winston; SQL only when `logSql`, and never parameter values. */
export class WinstonTypeOrmLogger implements TypeOrmLogger {
  constructor(
    private readonly winston: Log,
    private readonly logSql: boolean,
  ) {}

  logQuery(query: string, parameters?: unknown[]): void {
    if (this.logSql) this.winston.debug('sql', { sql: query, parameterCount: parameters?.length ?? 0 });
  }

  logQueryError(error: string | Error, query: string, parameters?: unknown[]): void {
    // Errors are handled (and retried) by the writer; keep them at debug to avoid one log per event.
    this.winston.debug('sql failed', {
      sql: query,
      parameterCount: parameters?.length ?? 0,
      error: typeof error === 'string' ? error : error.message,
    });
  }

  logQuerySlow(time: number, query: string): void {
    this.winston.warn('slow sql', { sql: query, durationMs: time });
  }

  logSchemaBuild(message: string): void {
    this.winston.debug(message);
  }

  logMigration(message: string): void {
    this.winston.info(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = typeof message === 'string' ? message : String(message);
    if (level === 'warn') this.winston.warn(text);
    else this.winston.debug(text);
  }
}
