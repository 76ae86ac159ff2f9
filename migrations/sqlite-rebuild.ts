import type { QueryRunner } from 'typeorm';

/** A SQLite table's new definition: its name and the `CREATE TABLE "<name>" (…)` statement that makes it. */
export interface SqliteTableDefinition {
  name: string;
  create: string;
}

type Row = Record<string, unknown>;

/**
 * Rebuilds SQLite tables to new definitions, for the changes `ALTER TABLE` cannot make (a column's
 * declared type, a named foreign key, NOT NULL on a primary key), by SQLite's own procedure
 * (sqlite.org/lang_altertable.html, "other kinds of table schema changes"): each table is created
 * anew as `temporary_<name>`, its rows copied, the old table dropped and the new one renamed; its
 * indexes, every trigger and every view are made again from the SQL they were made with, and an
 * AUTOINCREMENT table keeps its sequence, so no value it handed out is handed out again.
 *
 * @remarks
 * Runs in the caller's transaction, with foreign keys off (TypeORM turns them off before it opens
 * a migration's transaction, where SQLite ignores the pragma): dropping a parent table with them on
 * would delete its children's rows. Every column of a new definition must exist in the old table.
 * Checks that each table keeps its row count and that no foreign key is broken that was not
 * already, and throws otherwise, so the caller's transaction rolls everything back.
 */
export async function rebuildSqliteTables(queryRunner: QueryRunner, tables: readonly SqliteTableDefinition[]): Promise<void> {
  const query = (sql: string, params?: unknown[]) => queryRunner.query(sql, params) as Promise<Row[]>;
  const [pragma] = await query('PRAGMA foreign_keys');
  if (Number(pragma?.foreign_keys) !== 0)
    throw new Error('rebuilding SQLite tables needs foreign keys off: run this migration through TypeORM (it turns them off first)');
  const brokenBefore = (await query('PRAGMA foreign_key_check')).length;
  // Views and triggers name the tables rebuilt: SQLite checks them when a table is renamed.
  const dependents = await query(
    "SELECT type, name, sql FROM sqlite_master WHERE type IN ('view', 'trigger') AND sql IS NOT NULL ORDER BY rowid",
  );
  for (const d of dependents) await query(`DROP ${d.type === 'view' ? 'VIEW' : 'TRIGGER'} "${String(d.name)}"`);
  const hasSequence = (await query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")).length > 0;
  for (const table of tables) await rebuildOne(query, table, hasSequence);
  for (const d of dependents) await query(String(d.sql));
  const brokenAfter = (await query('PRAGMA foreign_key_check')).length;
  if (brokenAfter > brokenBefore)
    throw new Error(`rebuilding SQLite tables broke ${brokenAfter - brokenBefore} foreign key reference(s): nothing was changed`);
}

async function rebuildOne(query: (sql: string, params?: unknown[]) => Promise<Row[]>, table: SqliteTableDefinition, hasSequence: boolean) {
  const { name } = table;
  const head = `CREATE TABLE "${name}" (`;
  if (!table.create.startsWith(head)) throw new Error(`the definition of ${name} must start with ${head}`);
  const temporary = `temporary_${name}`;
  const indexes = await query("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY rowid", [
    name,
  ]);
  const sequence = hasSequence ? await query('SELECT seq FROM sqlite_sequence WHERE name = ?', [name]) : [];
  const rowsBefore = await count(query, name);
  await query(`CREATE TABLE "${temporary}" (${table.create.slice(head.length)}`);
  const columns = (await query(`PRAGMA table_info("${temporary}")`)).map((c) => `"${String(c.name)}"`).join(', ');
  await query(`INSERT INTO "${temporary}" (${columns}) SELECT ${columns} FROM "${name}"`);
  await query(`DROP TABLE "${name}"`);
  await query(`ALTER TABLE "${temporary}" RENAME TO "${name}"`);
  for (const index of indexes) await query(String(index.sql));
  const seq = sequence[0]?.seq;
  if (seq !== undefined) {
    await query('UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?', [seq, name]);
    if ((await query('SELECT 1 FROM sqlite_sequence WHERE name = ?', [name])).length === 0)
      await query('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)', [name, seq]);
  }
  const rowsAfter = await count(query, name);
  if (rowsAfter !== rowsBefore) throw new Error(`rebuilding ${name} kept ${rowsAfter} of its ${rowsBefore} rows: nothing was changed`);
}

async function count(query: (sql: string) => Promise<Row[]>, name: string): Promise<number> {
  const [row] = await query(`SELECT COUNT(*) AS n FROM "${name}"`);
  return Number(row?.n);
}
