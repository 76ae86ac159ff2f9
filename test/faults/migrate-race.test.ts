import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, inject, it } from 'vitest';
import { MIGRATIONS } from '../../migrations/index.js';
import { describeEachBackend, freshDatabaseUrl } from '../support/stores.js';
import { checkStore } from './support/store-check.js';

const run = promisify(execFile);

describeEachBackend('two processes migrating one fresh store at once', (backend) => {
  it('one applies the schema, both start', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const url = backend === 'sqlite' ? `sqlite:${path.join(inject('tmpDir'), `race-${attempt}.db`)}` : await freshDatabaseUrl('postgres');
      const child = () =>
        run(process.execPath, ['--import', 'tsx', path.resolve('test/faults/support/migrate-child.ts'), url], { timeout: 60_000 });
      const [a, b] = await Promise.all([child(), child()]);
      expect(a.stdout).toBe('started\n');
      expect(b.stdout).toBe('started\n');
      const { logger } = await checkStore(url);
      const ds = await logger.dataSource();
      const applied = await ds.query('SELECT name FROM convlog_migrations ORDER BY id');
      const [{ n }] = await ds.query('SELECT COUNT(*) AS n FROM calls');
      await logger.close();
      expect(applied.map((r: { name: string }) => r.name)).toEqual(MIGRATIONS.map((m) => new m().name));
      expect(Number(n)).toBe(2);
    }
  }, 120_000);
});
