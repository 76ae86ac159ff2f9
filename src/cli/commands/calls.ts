import { ANALYSIS_VERDICTS, CALL_STATUSES } from '../../events/types.js';
import { listCalls, type CallListRow } from '../../queries/call-list.js';
import { flag, parse, parseChoice, parsePositive, parseSince } from '../args.js';
import { COMMON_HELP, type Command } from '../command.js';
import { duration, json, ms, paintFor, table, terminalWidth, usd, utc } from '../output.js';

const SORTS = { started: 'started', latency: 'worstLatency', cost: 'cost', duration: 'duration', turns: 'turns' } as const;

export const calls: Command = {
  name: 'calls',
  summary: 'a table of calls: status, room, duration, turns, cost, worst latency',
  help: `Usage: convlog calls [--since 24h] [--status failed] [--room R] [--release R]
                    [--verdict fail] [--tag T] [--sort started] [--limit 50]

Lists calls, newest first, as wide as the terminal (COLUMNS when piped); call ids are never
cut, so any of them pastes into "convlog show". Failures and SLA breaches are in colour on a
terminal (not with NO_COLOR, not into a pipe).
  --since <when>    calls that started since a duration ago (30m, 24h, 7d) or an ISO date
                    (default 24h)
  --status <s>      active, completed, failed or abandoned
  --room <text>     room names containing this text (case-insensitive)
  --release <r>     calls of this release exactly (a RELEASE column shows when the calls listed
                    span more than one release)
  --verdict <v>     calls whose post-call analysis said pass, fail or unclear (a VERDICT column
                    shows when some call listed has one)
  --tag <tag>       calls the agent tagged with this tag exactly (handle.tag()); a TAGS column
                    shows when some call listed has tags
  --sort <key>      started (newest first, the default), latency (slowest answer first),
                    cost (dearest first), duration or turns (most first)
  --limit <n>       at most n calls (default 50, at most 500)

${COMMON_HELP}`,
  async run(argv, ctx) {
    const args = parse(argv, {
      since: { type: 'string' },
      status: { type: 'string' },
      room: { type: 'string' },
      release: { type: 'string' },
      verdict: { type: 'string' },
      tag: { type: 'string' },
      limit: { type: 'string' },
      sort: { type: 'string' },
    });
    const sort = SORTS[parseChoice('sort', flag(args, 'sort'), Object.keys(SORTS) as Array<keyof typeof SORTS>) ?? 'started'];
    const status = parseChoice('status', flag(args, 'status'), CALL_STATUSES);
    const from = parseSince(flag(args, 'since') ?? '24h');
    const limit = parsePositive('limit', flag(args, 'limit'), true) ?? 50;
    const room = flag(args, 'room');
    const release = flag(args, 'release');
    const verdict = parseChoice('verdict', flag(args, 'verdict'), ANALYSIS_VERDICTS);
    const tag = flag(args, 'tag');
    const { dataSource } = await ctx.openReader(args.values);
    const page = await listCalls(dataSource, {
      from,
      limit: Math.min(limit, 500),
      sort,
      dir: 'desc',
      ...(status ? { status } : {}),
      ...(room !== undefined ? { room } : {}),
      ...(release !== undefined ? { release } : {}),
      ...(verdict ? { verdict } : {}),
      ...(tag !== undefined ? { tag } : {}),
    });
    // The column only when it tells calls apart; the first to go on a narrow terminal.
    const releases = new Set(page.rows.map((r) => r.release)).size > 1;
    const verdicts = page.rows.some((r) => r.verdict !== null);
    const tagged = page.rows.some((r) => r.tags.length > 0);
    if (args.values['json']) {
      ctx.stdout.write(json(page));
      return 0;
    }
    if (page.rows.length === 0) {
      ctx.stdout.write('no calls match\n');
      return 0;
    }
    ctx.stdout.write(
      table<CallListRow>(
        page.rows,
        [
          { header: 'CALL', value: (r) => r.id },
          { header: 'STARTED UTC', value: (r) => utc(r.startedAt).slice(5, 16) },
          { header: 'STATUS', value: (r) => r.status, tone: (r) => (r.status === 'failed' ? 'fail' : undefined) },
          { header: 'ROOM', value: (r) => r.livekitRoom ?? '-', max: 60, flex: true, optional: 3 },
          ...(releases ? [{ header: 'RELEASE', value: (r: CallListRow) => r.release ?? '-', max: 16, optional: 0 }] : []),
          { header: 'DUR', value: (r) => duration(r.durationMs), align: 'right', optional: 1 },
          { header: 'TURN', value: (r) => String(r.turns), align: 'right', optional: 2 },
          { header: 'COST', value: (r) => usd(r.costUsd), align: 'right' },
          { header: 'WORST', value: (r) => ms(r.worstLatencyMs), align: 'right', tone: (r) => (r.slaViolations > 0 ? 'warn' : undefined) },
          ...(verdicts
            ? [
                {
                  header: 'VERDICT',
                  value: (r: CallListRow) => r.verdict ?? '-',
                  tone: (r: CallListRow) => (r.verdict === 'fail' ? ('fail' as const) : undefined),
                  optional: 4,
                },
              ]
            : []),
          ...(tagged ? [{ header: 'TAGS', value: (r: CallListRow) => r.tags.join(',') || '-', max: 30, optional: 5 }] : []),
        ],
        terminalWidth(ctx.stdout, ctx.env),
        paintFor(ctx.stdout, ctx.env),
      ),
    );
    if (page.total > page.rows.length) ctx.stdout.write(`(${page.rows.length} of ${page.total}; use --limit for more)\n`);
    return 0;
  },
};
