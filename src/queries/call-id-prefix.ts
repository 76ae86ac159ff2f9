import type { DataSource } from 'typeorm';
import { select } from './sql.js';

/**
 * Ids of the calls whose id starts with `prefix` (case-sensitive, exact characters: no
 * wildcards), the exact match first, then in id order; at most `limit`.
 */
export async function callIdsStartingWith(dataSource: DataSource, prefix: string, limit = 10): Promise<string[]> {
  const rows = await select<{ id: string }>(
    dataSource,
    `SELECT id FROM calls WHERE SUBSTR(id, 1, ?) = ? ORDER BY CASE WHEN id = ? THEN 0 ELSE 1 END, id LIMIT ${Math.trunc(limit)}`,
    [prefix.length, prefix, prefix],
  );
  return rows.map((r) => r.id);
}
