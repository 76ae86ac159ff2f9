import { expect, it } from 'vitest';
import { isConversationLogError } from '../../src/errors.js';
import { createLog } from '../../src/config/log.js';
import { initDatabase } from '../../src/store/data-source.js';
import { MigrationManager } from '../../src/store/migration-manager.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { describeEachBackend, freshDatabaseUrl } from '../support/stores.js';

const log = createLog('error');

describeEachBackend('MigrationManager', (backend) => {
  it('reports pending migrations, applies them once, then reports none', async () => {
    const { dataSource } = await initDatabase({ databaseUrl: await freshDatabaseUrl(backend) }, log);
    try {
      const manager = new MigrationManager(dataSource);
      const before = await manager.getMigrationStatus();
      expect(before).toEqual({
        currentVersion: null,
        applied: [],
        pending: MIGRATIONS.map((M) => new M().name),
        pendingCount: MIGRATIONS.length,
      });
      const result = await manager.migrateToLatest();
      expect(result).toEqual({ ok: true, applied: before.pending });
      const after = await manager.getMigrationStatus();
      expect(after.pendingCount).toBe(0);
      expect(after.currentVersion).toBe(before.pending.at(-1));
      expect(await manager.migrateToLatest()).toEqual({ ok: true, applied: [] });
    } finally {
      await dataSource.destroy();
    }
  });

  it('two managers migrating at once both succeed and the schema is applied once', async () => {
    const url = await freshDatabaseUrl(backend);
    const a = await initDatabase({ databaseUrl: url, busyTimeoutMs: 50 }, log);
    const b = await initDatabase({ databaseUrl: url, busyTimeoutMs: 50 }, log);
    try {
      const [ra, rb] = await Promise.all([
        new MigrationManager(a.dataSource).migrateToLatest(),
        new MigrationManager(b.dataSource).migrateToLatest(),
      ]);
      expect(ra.ok && rb.ok).toBe(true);
      expect([...ra.applied, ...rb.applied]).toEqual(MIGRATIONS.map((M) => new M().name));
      const rows = await a.dataSource.query('SELECT name FROM convlog_migrations');
      expect(rows).toHaveLength(MIGRATIONS.length);
    } finally {
      await a.dataSource.destroy();
      await b.dataSource.destroy();
    }
  });

  it("takes initDatabase()'s result as the description writes it: new MigrationManager(await initDatabase())", async () => {
    // given what initDatabase() returns, not its dataSource
    const db = await initDatabase({ databaseUrl: await freshDatabaseUrl(backend) }, log);
    try {
      // when the description's initialisation runs on it
      const manager = new MigrationManager(db);
      const result = await manager.migrateToLatest();
      const status = await manager.getMigrationStatus();
      // then the schema is migrated and the status reads as the description prints it
      expect(result).toEqual({ ok: true, applied: MIGRATIONS.map((M) => new M().name) });
      expect(status.currentVersion).toBe(MIGRATIONS.map((M) => new M().name).at(-1));
      expect(status.pendingCount).toBe(0);
    } finally {
      await db.dataSource.destroy();
    }
  });
});

it.each([
  ['undefined', undefined],
  ['null', null],
  ['a URL string', 'sqlite:./x.db'],
  ['an object without a dataSource', { config: {} }],
  ['an object whose dataSource is not one', { dataSource: 42 }],
])('MigrationManager given %s throws a typed INVALID_ARGUMENT, never a TypeError', (_, value) => {
  let thrown: unknown;
  try {
    new MigrationManager(value as never);
  } catch (error) {
    thrown = error;
  }
  expect(isConversationLogError(thrown)).toBe(true);
  expect(thrown).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'database' });
});
