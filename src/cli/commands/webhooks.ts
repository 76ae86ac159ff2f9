import { listDeliveries, retryDelivery, type DeliveryStatus, type WebhookDelivery } from '../../store/webhook-outbox.js';
import { flag, parse, parsePositive } from '../args.js';
import { COMMON_HELP, type Command } from '../command.js';
import type { CliContext } from '../context.js';
import { NotFoundError, UsageError } from '../errors.js';
import { json, table, terminalWidth, utc } from '../output.js';

const HELP = `Usage: convlog webhooks deliver [--follow] [--interval 1s]
       convlog webhooks status [--all] [--call <id>] [--limit 100]
       convlog webhooks retry <delivery-id>

Call reports are POSTed to the endpoints in the config's webhooks (or CONVERSATION_LOG_WEBHOOK_URL
with CONVERSATION_LOG_WEBHOOK_SECRET) from an outbox in the store: one delivery per endpoint and
event, queued with the call's call_ended. The agent's job process sends its call's report at
call end, best effort; what it could not send waits here for a deliverer.

  deliver            send every due delivery, each endpoint's in order, and exit (0 once nothing
                     due is left unsent, 1 when an attempt failed: it is retried later)
    --follow         keep delivering until Ctrl-C (convlog serve does this too)
    --interval <d>   with --follow, look for due deliveries this often (default 1s)
  status             pending and failed deliveries, oldest first per endpoint
    --all            delivered ones too
    --call <id>      one call's deliveries
    --limit <n>      at most n (default 100)
  retry <id>         queue a failed delivery again, due now (a delivered one is not re-sent)

Delivery is at least once: a deliverer that dies after the receiver got a request but before it
recorded the answer sends it again once its claim expires (60 s), with the same delivery id.

${COMMON_HELP}`;

export const webhooks: Command = {
  name: 'webhooks',
  summary: 'POST call reports to webhooks: deliver [--follow], status, retry',
  help: HELP,
  async run(argv, ctx) {
    const [sub, ...rest] = argv;
    if (sub === 'deliver') return deliver(rest, ctx);
    if (sub === 'status') return status(rest, ctx);
    if (sub === 'retry') return retry(rest, ctx);
    throw new UsageError(
      sub === undefined || sub.startsWith('-') ? 'name a subcommand: deliver, status or retry' : `unknown subcommand "${sub}"`,
    );
  },
};

async function deliver(argv: string[], ctx: CliContext): Promise<number> {
  const args = parse(argv, { follow: { type: 'boolean' }, interval: { type: 'string' } });
  const interval = flag(args, 'interval');
  const intervalMs = interval === undefined ? 1_000 : parseInterval(interval);
  const logger = await ctx.openLogger(args.values);
  const deliverer = logger.webhookDeliverer();
  if (deliverer.configured.length === 0)
    throw new UsageError('no webhooks configured: set webhooks in agent.config.ts, or CONVERSATION_LOG_WEBHOOK_URL and _SECRET');
  if (args.values['follow']) {
    const stop = new AbortController();
    void ctx.interrupted.then(() => stop.abort());
    if (!args.values['json'])
      ctx.stderr.write(`delivering to ${deliverer.configured.length} endpoint(s) every ${intervalMs} ms until Ctrl-C\n`);
    await deliverer.follow({ intervalMs, signal: stop.signal });
    return 0;
  }
  const report = await deliverer.deliverPending();
  if (args.values['json']) ctx.stdout.write(json(report));
  else
    ctx.stdout.write(
      `delivered ${report.delivered}, failed ${report.failed} attempt(s)${report.gaveUp ? `, gave up ${report.gaveUp}` : ''}\n`,
    );
  return report.failed > 0 ? 1 : 0;
}

async function status(argv: string[], ctx: CliContext): Promise<number> {
  const args = parse(argv, { all: { type: 'boolean' }, call: { type: 'string' }, limit: { type: 'string' } });
  const limit = parsePositive('limit', flag(args, 'limit'), true) ?? 100;
  const callId = flag(args, 'call');
  const logger = await ctx.openLogger(args.values);
  const statuses: DeliveryStatus[] = args.values['all'] ? ['pending', 'delivered', 'failed'] : ['pending', 'failed'];
  const rows = await listDeliveries(await logger.dataSource(), { statuses, limit, ...(callId === undefined ? {} : { callId }) });
  const configured = new Set(logger.config.webhooks.map((e) => e.id));
  if (args.values['json']) {
    ctx.stdout.write(json(rows.map((r) => ({ ...r, endpointConfigured: configured.has(r.endpointId) }))));
    return 0;
  }
  if (rows.length === 0) {
    ctx.stdout.write(args.values['all'] ? 'no deliveries\n' : 'no pending or failed deliveries\n');
    return 0;
  }
  const now = Date.now();
  ctx.stdout.write(
    table<WebhookDelivery>(
      rows,
      [
        { header: 'DELIVERY', value: (r) => r.id },
        { header: 'ENDPOINT', value: (r) => (configured.has(r.endpointId) ? r.endpointId : `${r.endpointId} (not configured)`) },
        { header: 'EVENT', value: (r) => r.event },
        { header: 'CALL', value: (r) => r.callId, flex: true },
        { header: 'STATUS', value: (r) => r.status, tone: (r) => (r.status === 'failed' ? 'fail' : undefined) },
        { header: 'TRIES', value: (r) => String(r.attempts), align: 'right' },
        {
          header: 'NEXT / DONE',
          value: (r) =>
            r.status === 'delivered'
              ? `${utc(r.deliveredAt)}`
              : r.status === 'failed'
                ? '-'
                : r.nextAttemptAt <= now
                  ? 'due'
                  : `${utc(r.nextAttemptAt)}`,
          optional: 2,
        },
        {
          header: 'LAST',
          value: (r) => (r.lastStatus !== null ? `HTTP ${r.lastStatus}` : (r.lastError ?? '-')),
          flex: true,
          optional: 1,
        },
      ],
      terminalWidth(ctx.stdout, ctx.env),
    ),
  );
  return 0;
}

async function retry(argv: string[], ctx: CliContext): Promise<number> {
  const args = parse(argv, {}, 1);
  const id = args.positionals[0];
  if (id === undefined) throw new UsageError('name the delivery to retry: convlog webhooks retry <delivery-id>');
  const logger = await ctx.openLogger(args.values);
  const ds = await logger.dataSource();
  const after = await logger.store.exclusive(() => retryDelivery(ds, logger.config.dialect, id, Date.now()));
  if (after === null) throw new NotFoundError(`no delivery ${id} (convlog webhooks status lists them)`);
  if (args.values['json']) ctx.stdout.write(json(after));
  else if (after.status === 'delivered') ctx.stdout.write(`${id} was delivered at ${utc(after.deliveredAt)} UTC: not queued again\n`);
  else ctx.stdout.write(`${id} is queued, due now: "convlog webhooks deliver" (or a running deliverer) sends it\n`);
  return 0;
}

function parseInterval(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  const n = m ? Number(m[1]) * (m[2] === 'm' ? 60_000 : m[2] === 'ms' ? 1 : 1_000) : NaN;
  if (!Number.isFinite(n) || n < 10 || n > 3_600_000)
    throw new UsageError(`--interval must be a duration from 10ms to 1h (e.g. 1s, 500ms), got "${value}"`);
  return Math.round(n);
}
