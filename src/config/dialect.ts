export type Dialect = 'sqlite' | 'postgres';

const cache = new Map<string, string>();

/**
 * Our fixed SQL is written with `?` placeholders; PostgreSQL wants `$1, $2, …`.
 * Converted once per statement text and cached (statement texts are a small fixed set).
 * None of our SQL has `?` inside a literal.
 */
export function toDialect(sql: string, dialect: Dialect): string {
  if (dialect === 'sqlite') return sql;
  let out = cache.get(sql);
  if (out === undefined) {
    let i = 0;
    out = sql.replace(/\?/g, () => `$${++i}`);
    cache.set(sql, out);
  }
  return out;
}
