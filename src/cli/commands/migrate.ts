import { initDatabase } from '../../store/data-source.js';
import { MigrationManager } from '../../store/migration-manager.js';
import { parse } from '../args.js';
import { COMMON_HELP, type Command } from '../command.js';
import { json } from '../output.js';
import { describeStore } from '../../config/describe-store.js';

export const migrate: Command = {
  name: 'migrate',
  summary: 'apply pending schema migrations, or show them (--status)',
  help: `Usage: convlog migrate [--status]

Applies the schema migrations the store lacks (safe to run from many processes at once: one
applies, the others wait and find nothing to do). With --status, changes nothing and shows the
current version, the applied and the pending migrations; exits 0 either way.

${COMMON_HELP}`,
  async run(argv, ctx) {
    const args = parse(argv, { status: { type: 'boolean' } });
    const { overrides, log } = await ctx.storeOptions(args.values);
    const { dataSource, config } = await initDatabase(overrides, log);
    if (!args.values['json']) ctx.stderr.write(`store: ${describeStore(config)}\n`);
    try {
      const manager = new MigrationManager(dataSource);
      if (args.values['status']) {
        const status = await manager.getMigrationStatus();
        if (args.values['json']) ctx.stdout.write(json(status));
        else
          ctx.stdout.write(
            `current version: ${status.currentVersion ?? '(empty database)'}\n` +
              `applied (${status.applied.length}): ${status.applied.join(', ') || '-'}\n` +
              `pending (${status.pendingCount}): ${status.pending.join(', ') || '-'}\n`,
          );
        return 0;
      }
      const result = await manager.migrateToLatest();
      if (!result.ok) throw result.error;
      if (args.values['json']) ctx.stdout.write(json({ applied: result.applied }));
      else ctx.stdout.write(result.applied.length ? `applied: ${result.applied.join(', ')}\n` : 'schema is up to date\n');
      return 0;
    } finally {
      await dataSource.destroy();
    }
  },
};
