import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { skipWithout } from '../support/requirements.js';
import { openLogger } from '../support/stores.js';

/**
 * The TypeORM entities are the declaration of each table; the migrations make it. They must agree,
 * or `typeorm migration:generate` — the workflow every TypeORM user runs — writes a migration that
 * drops foreign keys, defaults and indexes. Checked with TypeORM's own schema builder, the check its
 * users run after migrating. PostgreSQL only: on SQLite TypeORM reads an unnamed foreign key, a
 * primary key that is not INTEGER and the migration's INTEGER/REAL column types as differences and
 * would rebuild every table, which a migration of its own has yet to settle.
 */
describe.skipIf(skipWithout('postgres'))('entities and migrations agree [postgres]', () => {
  let logger: ConversationLogger;
  beforeAll(async () => {
    logger = await openLogger('postgres');
  });
  afterAll(async () => {
    await logger.close();
  });

  it('given a migrated store, when TypeORM compares it with the entities, then it has nothing to change', async () => {
    const ds = await logger.dataSource();
    const { upQueries } = await ds.driver.createSchemaBuilder().log();
    expect(upQueries.map((q) => q.query)).toEqual([]);
  });
});
