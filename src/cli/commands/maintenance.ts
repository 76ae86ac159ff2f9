import { createInterface } from 'node:readline/promises';
import type { CliContext } from '../context.js';
import { flag, parse } from '../args.js';
import { COMMON_HELP, type Command } from '../command.js';
import { UsageError } from '../errors.js';
import { json, utc } from '../output.js';
import { Progress } from '../progress.js';
import { select } from '../../queries/sql.js';
import { describeStore } from '../../config/describe-store.js';
import { SERVE_USAGE } from '../../server/serve-options.js';

export const cleanup: Command = {
  name: 'cleanup',
  summary: 'delete calls older than the retention period (--dry-run)',
  help: `Usage: convlog cleanup [--retention-days N] [--dry-run] [--yes]

Deletes the calls that started more than N days ago (default: CONVERSATION_LOG_RETENTION_DAYS,
else the config file's retentionDays, else 30) with their log events and every projection row,
in small transactions so agents writing to the store are never held up for long. Their
recording files go too, those inside the recordings directory (CONVERSATION_LOG_RECORDINGS_DIR,
else the config file's recordings.dir) only: nothing outside it is deleted, no symlink followed.
  --dry-run   count what would go and delete nothing
  --yes       delete without asking. On a terminal cleanup asks first; elsewhere (a script,
              cron, a pipe) it deletes nothing without --yes (exit 2)

${COMMON_HELP}`,
  async run(argv, ctx) {
    const args = parse(argv, {
      'retention-days': { type: 'string' },
      'dry-run': { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
    });
    const raw = flag(args, 'retention-days');
    let days: number | undefined;
    if (raw !== undefined) {
      days = Number(raw);
      if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(days))
        throw new UsageError(`--retention-days must be a number >= 0, got "${raw}"`);
    }
    const logger = await ctx.openLogger(args.values);
    const retentionDays = days ?? logger.config.retentionDays;
    const cutoff = Math.floor(Date.now() - retentionDays * 86_400_000);
    const ds = await logger.dataSource();
    const [n] = await select<{ n: unknown }>(ds, 'SELECT COUNT(*) AS n FROM calls WHERE started_at < ?', [cutoff]);
    const due = Number(n?.n ?? 0);
    if (args.values['dry-run']) {
      if (args.values['json']) ctx.stdout.write(json({ dryRun: true, retentionDays, cutoff, calls: due }));
      else ctx.stdout.write(`${due} call(s) started before ${utc(cutoff)} UTC (older than ${retentionDays} days) would be deleted\n`);
      return 0;
    }
    if (
      due > 0 &&
      !args.values['yes'] &&
      !(await confirm(ctx, `Delete ${due} call(s) started before ${utc(cutoff)} UTC, for good? [y/N] `))
    )
      throw new UsageError(
        ctx.stdin.isTTY
          ? 'nothing deleted'
          : `would delete ${due} call(s) started before ${utc(cutoff)} UTC: pass --yes to delete them (or --dry-run to count only); nothing deleted`,
      );
    const progress = new Progress(ctx.stderr, 'deleting calls', due, 'calls');
    const result = await logger.cleanupOldData({ retentionDays, onProgress: (done) => progress.update(done) });
    progress.done();
    if (args.values['json']) ctx.stdout.write(json({ retentionDays, ...result }));
    else
      ctx.stdout.write(
        `deleted ${result.calls} call(s) older than ${retentionDays} days: ${result.events} events, ${result.messages} messages, ` +
          `${result.turns} turns, ${result.conversations} conversations, ${result.systemEvents} system events, ` +
          `${result.callAnalyses} analyses, ${result.callTags} tags, ${result.webhookDeliveries} webhook deliveries, ` +
          `${result.recordingFiles} recording file(s) ` +
          `(${result.partitionsDropped ? `${result.partitionsDropped} month(s) of the log dropped whole, ` : ''}` +
          `${result.batches} batches, longest ${result.longestBatchMs.toFixed(1)} ms)\n`,
      );
    return 0;
  },
};

/** Asks a yes/no question on a terminal (default no); false at once when stdin is not one. */
async function confirm(ctx: CliContext, question: string): Promise<boolean> {
  if (!ctx.stdin.isTTY) return false;
  const rl = createInterface({ input: ctx.stdin, output: ctx.stderr });
  try {
    // Ctrl-C at the prompt (readline takes it from the terminal) answers no.
    const answer = await Promise.race([rl.question(question), new Promise<string>((r) => rl.once('SIGINT', () => r('')))]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export const rebuild: Command = {
  name: 'rebuild',
  summary: 'rebuild every projection from the event log',
  help: `Usage: convlog rebuild [--search-config <name>]

Empties the projections (calls, conversations, messages, turns, conversation_metrics,
system_events, call_analyses, call_tags) and the full-text index, and replays the whole event
log into them in one transaction; readers see the old rows until it commits. Use it after an
upgrade that changes a projection. The webhook outbox is not a projection: it is left as it is
(nothing is re-sent).
  --search-config <name>  PostgreSQL: index and search messages with this text search
                          configuration from now on (e.g. english, which stems words; the
                          default is simple). Kept in the store.

${COMMON_HELP}`,
  async run(argv, ctx) {
    const args = parse(argv, { 'search-config': { type: 'string' } });
    const searchConfig = flag(args, 'search-config');
    const logger = await ctx.openLogger(args.values);
    const [n] = await select<{ n: unknown }>(await logger.dataSource(), 'SELECT COUNT(*) AS n FROM events');
    const progress = new Progress(ctx.stderr, 'replaying events', Number(n?.n ?? 0), 'events');
    const result = await logger.rebuildProjections((done) => progress.update(done), searchConfig === undefined ? {} : { searchConfig });
    progress.done();
    if (args.values['json']) ctx.stdout.write(json(result));
    else ctx.stdout.write(`rebuilt the projections from ${result.events} events in ${result.durationMs} ms\n`);
    return 0;
  },
};

export const serve: Command = {
  name: 'serve',
  summary: 'a read-only web dashboard of the store (127.0.0.1:4317)',
  help: `${SERVE_USAGE}
${COMMON_HELP}`,
  async run(argv, ctx) {
    const { resolveServeOptions, describeServing } = await import('../../server/serve-options.js');
    const { startDashboardServer } = await import('../../server/index.js');
    const args = parse(argv, {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
    });
    const options = resolveServeOptions(
      { port: flag(args, 'port'), host: flag(args, 'host'), token: flag(args, 'token'), tokenFile: flag(args, 'token-file') },
      ctx.env,
    );
    const logger = await ctx.openLogger(args.values);
    // With a read replica (CONVERSATION_LOG_READ_URL) the dashboard reads from it.
    const dataSource = await logger.readDataSource();
    const server = await startDashboardServer({ logger, dataSource, host: options.host, port: options.port, token: options.token });
    const store = describeStore(logger.config);
    // With webhooks configured, the dashboard's process is also the long-running deliverer.
    const stopDelivering = new AbortController();
    const delivering =
      logger.config.webhooks.length > 0 ? logger.webhookDeliverer().follow({ signal: stopDelivering.signal }) : Promise.resolve();
    if (args.values['json'])
      ctx.stdout.write(
        `${JSON.stringify({ url: server.url, metrics: `${server.url}metrics`, host: server.host, port: server.port, store })}\n`,
      );
    else ctx.stdout.write(`${describeServing(server.url, options).join('\n')}\n`);
    await ctx.interrupted;
    stopDelivering.abort();
    await Promise.all([server.close(), delivering]);
    return 0;
  },
};
