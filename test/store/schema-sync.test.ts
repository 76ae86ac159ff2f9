import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

/**
 * The TypeORM entities are the declaration of each table; the migrations make it. They must agree,
 * or `typeorm migration:generate` — the workflow every TypeORM user runs — writes a migration that
 * drops foreign keys, defaults and indexes, or on SQLite rebuilds every table. Checked with
 * TypeORM's own schema builder, the check its users run after migrating, and column by column
 * (a difference TypeORM cannot act on, such as a generated column on PostgreSQL, makes no statement).
 */
describeEachBackend('entities and migrations agree', (backend) => {
  let logger: ConversationLogger;
  beforeAll(async () => {
    logger = await openLogger(backend);
  });
  afterAll(async () => {
    await logger.close();
  });

  it('given a migrated store, when TypeORM compares it with the entities, then it has nothing to change', async () => {
    const ds = await logger.dataSource();
    const { upQueries } = await ds.driver.createSchemaBuilder().log();
    expect(upQueries.map((q) => q.query)).toEqual([]);
  });

  it('given a migrated store, when each table is compared with its entity column by column, then none differs', async () => {
    const ds = await logger.dataSource();
    const runner = ds.createQueryRunner();
    try {
      const changed: string[] = [];
      for (const metadata of ds.entityMetadatas) {
        const [table] = await runner.getTables([metadata.tablePath]);
        expect(table, metadata.tableName).toBeDefined();
        for (const column of ds.driver.findChangedColumns(table!.columns, metadata.columns))
          changed.push(`${metadata.tableName}.${column.databaseName}`);
      }
      expect(changed).toEqual([]);
    } finally {
      await runner.release();
    }
  });
});
