import { SEARCH_ROLES, searchMessages, type SearchMatch } from '../../queries/search.js';
import { flag, parse, parseChoice, parsePositive, parseSince } from '../args.js';
import { COMMON_HELP, type Command } from '../command.js';
import { UsageError } from '../errors.js';
import { highlighterFor, json, oneLine, utc } from '../output.js';

export const search: Command = {
  name: 'search',
  summary: 'full-text search across every transcript, newest first',
  help: `Usage: convlog search "<query>" [--role user] [--since 7d] [--agent A] [--room R]
                      [--release R] [--sort newest|rank] [-n 20]

Searches every stored message, and each call's id and caller number, and prints the matches,
newest first: time (UTC), role and call id (whole, ready for "convlog show"), then a snippet with
the matched words in bold on a terminal (plain with NO_COLOR or into a pipe). Only what is stored
is searched: with redaction on, the redacted text.

Query:
  refund policy       messages with both words (case ignored; on SQLite diacritics too)
  "call me back"      the exact phrase
  refund*             words starting with refund
  -voicemail          without that word (or -"a phrase")
  refund OR return    either word
  +15550100, call-7   a caller number or call id finds that call's messages
A query starting with - goes after --:  convlog search -- "-voicemail refund"

  --role <role>     user, assistant, system or tool
  --since <when>    messages since a duration ago (30m, 24h, 7d) or an ISO date (default: all)
  --agent <name>    calls of this agent (its name or id)
  --room <text>     calls whose room name contains this text (case-insensitive)
  --release <name>  calls of this release exactly
  --sort <order>    newest (the default) or rank (best match first); either orders the
                    1,000 matches recorded last (all of them when fewer match)
  -n, --limit <n>   at most n matches (default 20, at most 500)

${COMMON_HELP}`,
  async run(argv, ctx) {
    const args = parse(
      argv,
      {
        role: { type: 'string' },
        since: { type: 'string' },
        agent: { type: 'string' },
        room: { type: 'string' },
        release: { type: 'string' },
        sort: { type: 'string' },
        limit: { type: 'string', short: 'n' },
      },
      1,
    );
    const query = args.positionals[0];
    if (query === undefined || query.trim() === '') throw new UsageError('needs a query: convlog search "refund policy"');
    const role = parseChoice('role', flag(args, 'role'), SEARCH_ROLES);
    const sort = parseChoice('sort', flag(args, 'sort'), ['newest', 'rank'] as const) ?? 'newest';
    const since = flag(args, 'since');
    const limit = parsePositive('limit', flag(args, 'limit'), true) ?? 20;
    if (limit > 500) throw new UsageError(`--limit must be at most 500, got ${limit}`);
    const agent = flag(args, 'agent');
    const room = flag(args, 'room');
    const release = flag(args, 'release');
    const { dataSource } = await ctx.openReader(args.values);
    const result = await searchMessages(dataSource, {
      query,
      sort,
      limit,
      ...(role ? { role } : {}),
      ...(since !== undefined ? { since: parseSince(since) } : {}),
      ...(agent !== undefined ? { agent } : {}),
      ...(room !== undefined ? { room } : {}),
      ...(release !== undefined ? { release } : {}),
    });
    if (args.values['json']) {
      ctx.stdout.write(json(result));
      return 0;
    }
    if (result.matches.length === 0) {
      ctx.stdout.write('no messages match\n');
      return 0;
    }
    const mark = highlighterFor(ctx.stdout, ctx.env);
    const roleWidth = Math.max(...result.matches.map((m) => m.role.length));
    ctx.stdout.write(result.matches.map((m) => `${heading(m, roleWidth)}\n  ${snippet(m, mark)}\n`).join(''));
    if (result.more) ctx.stdout.write(`(first ${result.matches.length}; more match: use -n for more, or narrow the query)\n`);
    return 0;
  },
};

const heading = (m: SearchMatch, roleWidth: number): string => `${utc(m.createdAt)}  ${m.role.padEnd(roleWidth)}  ${oneLine(m.callId)}`;

/** The snippet on one line, control characters out (no escape sequence from a transcript reaches the terminal). */
const snippet = (m: SearchMatch, mark: (text: string) => string): string =>
  m.snippet
    .map((p) => {
      const text = oneLine(p.text).replace(/[\u0080-\u009f]/g, ' ');
      return p.match ? mark(text) : text;
    })
    .join('')
    .trim();
