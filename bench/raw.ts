import type Database from 'better-sqlite3';
import type pg from 'pg';
import { TABLES, type Row, type RowBatch, type Table } from './rows.js';

/** Columns a raw insert writes: every column of the row, but the log's position (the database assigns it). */
const columnsOf = (table: Table, row: Row): string[] => Object.keys(row).filter((c) => !(table === 'events' && c === 'position'));

const sqliteValue = (v: unknown): unknown => (typeof v === 'boolean' ? (v ? 1 : 0) : v);

/**
 * The reference: plain better-sqlite3, one prepared INSERT per table, one transaction per batch.
 * Returns the time it took (ms).
 */
export function rawSqliteInsert(db: Database.Database, batches: readonly RowBatch[]): number {
  const statements = new Map<Table, { columns: string[]; stmt: Database.Statement }>();
  const prepared = (table: Table, row: Row) => {
    let s = statements.get(table);
    if (!s) {
      const columns = columnsOf(table, row);
      // SQLite's search index is the FTS5 table messages_fts, whose rowid is the log position.
      const [name, names] =
        table === 'messages_search' ? ['messages_fts', columns.map((c) => (c === 'event_position' ? 'rowid' : c))] : [table, columns];
      s = {
        columns,
        stmt: db.prepare(`INSERT INTO ${name} (${names.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`),
      };
      statements.set(table, s);
    }
    return s;
  };
  const write = db.transaction((batch: RowBatch) => {
    for (const table of TABLES)
      for (const row of batch[table]) {
        const { columns, stmt } = prepared(table, row);
        stmt.run(columns.map((c) => sqliteValue(row[c])));
      }
  });
  const t0 = performance.now();
  for (const batch of batches) write(batch);
  return performance.now() - t0;
}

/**
 * The PostgreSQL reference: plain `pg`, one multi-row INSERT per table per batch, one
 * transaction per batch. Returns the time it took (ms).
 */
export async function rawPgInsert(client: pg.Client, batches: readonly RowBatch[]): Promise<number> {
  const t0 = performance.now();
  for (const batch of batches) {
    await client.query('BEGIN');
    for (const table of TABLES) {
      const rows = batch[table];
      if (rows.length === 0) continue;
      const columns = columnsOf(table, rows[0]!);
      // 65,535 bind parameters at most per statement.
      const per = Math.floor(60_000 / columns.length);
      for (let i = 0; i < rows.length; i += per) {
        const chunk = rows.slice(i, i + per);
        const values: unknown[] = [];
        const tuples = chunk.map((row) => {
          const marks = columns.map((c) => {
            values.push(row[c]);
            return `$${values.length}`;
          });
          return `(${marks.join(', ')})`;
        });
        await client.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values);
      }
    }
    await client.query('COMMIT');
  }
  return performance.now() - t0;
}
