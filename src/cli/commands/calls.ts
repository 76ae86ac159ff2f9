import { CALL_STATUSES } from '../../events/types.js';
import { listCalls, type CallListRow } from '../../queries/call-list.js';
import { flag, parse, parseChoice, parsePositive, parseSince } from '../args.js';
import { COMMON_HELP, type Command } from '../command.js';
import { duration, json, ms, table, usd, utc } from '../output.js';

export const calls: Command = {
  name: 'calls',
  summary: 'a table of calls: status, room, duration, turns, cost, worst latency',
  help: `Usage: convlog calls [--since 24h] [--status failed] [--room R] [--limit 50]

Lists calls, newest first.
  --since <when>    calls that started since a duration ago (30m, 24h, 7d) or an ISO date (default 24h)
  --status <s>      active, completed, failed or abandoned
  --room <text>     room names containing this text (case-insensitive)
  --limit <n>       at most n calls (default 50, at most 500)

${COMMON_HELP}`,
  async run(argv, ctx) {
    const args = parse(argv, {
      since: { type: 'string' },
      status: { type: 'string' },
      room: { type: 'string' },
      limit: { type: 'string' },
    });
    const status = parseChoice('status', flag(args, 'status'), CALL_STATUSES);
    const from = parseSince(flag(args, 'since') ?? '24h');
    const limit = parsePositive('limit', flag(args, 'limit'), true) ?? 50;
    const room = flag(args, 'room');
    const logger = await ctx.openLogger(args.values as never);
    const page = await listCalls(await logger.dataSource(), {
      from,
      limit: Math.min(limit, 500),
      sort: 'started',
      dir: 'desc',
      ...(status ? { status } : {}),
      ...(room !== undefined ? { room } : {}),
    });
    if (args.values['json']) {
      ctx.stdout.write(json(page));
      return 0;
    }
    if (page.rows.length === 0) {
      ctx.stdout.write('no calls match\n');
      return 0;
    }
    ctx.stdout.write(
      table<CallListRow>(page.rows, [
        { header: 'CALL', value: (r) => r.id, max: 36, flex: true },
        { header: 'STARTED UTC', value: (r) => utc(r.startedAt).slice(5, 16) },
        { header: 'STATUS', value: (r) => r.status },
        { header: 'ROOM', value: (r) => r.livekitRoom ?? '-', max: 36, flex: true },
        { header: 'DUR', value: (r) => duration(r.durationMs), align: 'right' },
        { header: 'TURN', value: (r) => String(r.turns), align: 'right' },
        { header: 'COST', value: (r) => usd(r.costUsd), align: 'right' },
        { header: 'WORST', value: (r) => ms(r.worstLatencyMs), align: 'right' },
      ]),
    );
    if (page.total > page.rows.length) ctx.stdout.write(`(${page.rows.length} of ${page.total}; use --limit for more)\n`);
    return 0;
  },
};
