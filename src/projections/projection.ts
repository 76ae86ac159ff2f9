import type { EventType, RecordedEvent } from '../events/types.js';
import type { Dialect } from '../store/dialect.js';

/** What a projection may do inside the append transaction: run fixed, parameterised SQL. */
export interface ProjectionContext {
  readonly dialect: Dialect;
  /** Runs a statement written with `?` placeholders. */
  exec(sql: string, params: readonly unknown[]): Promise<void>;
  /** Runs a query written with `?` placeholders and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params: readonly unknown[]): Promise<T[]>;
}

/**
 * A projection is plain data (as in emmett): the event types it handles and how it applies one
 * to its table. Inline projections run inside the append transaction, in the order of
 * `PROJECTIONS`, so the rows they write are exactly what a replay of the log writes.
 * A projection reads only the event (never the clock), so a rebuild reproduces every row.
 */
export interface Projection {
  readonly name: string;
  /** The table this projection owns; emptied by a rebuild. */
  readonly table: string;
  readonly canHandle: readonly EventType[];
  handle(event: RecordedEvent, ctx: ProjectionContext): Promise<void>;
}

/** JSON text of an optional object, or null. */
export const jsonOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);

/**
 * PostgreSQL text cannot hold NUL; secondary text columns get U+FFFD there (the log keeps the
 * exact value). Message content is stored losslessly instead (see the messages projection).
 */
export const pgSafe = (ctx: ProjectionContext, value: string | null): string | null =>
  value !== null && ctx.dialect === 'postgres' && value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value;
