import { EVENT_TYPES } from '../../events/types.js';
import type { LogEvent } from '../../queries/call-detail.js';
import { latestLogPosition, LogFollower, positionBefore } from '../../queries/log-after.js';
import { resolveCallId } from '../call-id.js';
import { flag, parse, parsePositive } from '../args.js';
import { COMMON_HELP, type Command } from '../command.js';
import { UsageError } from '../errors.js';
import { nearest } from '../suggest.js';
import { oneLine, paintFor, plain, utc, wrap, type Paint, type Tone } from '../output.js';

export const tail: Command = {
  name: 'tail',
  summary: 'follow new events of the log live, until Ctrl-C',
  help: `Usage: convlog tail [--call <id>] [--type T[,T…]] [-n N] [--interval 500]

Prints each new event of the log as it is committed, by any process writing to the store, in
log order, until Ctrl-C (exit 0). Ids are printed whole; answers over the SLA are marked
"⚠ SLA", and failures and warnings are in colour on a terminal (not with NO_COLOR or a pipe).
  --call <id>       one call only (its id or a unique prefix of it)
  --type <types>    these event types only, comma-separated:
                    ${wrap(EVENT_TYPES.join(', '), 98, 20)}
  -n, --lines <N>   start with the last N events (that match), then follow
  --interval <ms>   poll period (default 500)
With --json, prints one JSON event per line.

${COMMON_HELP}`,
  async run(argv, ctx) {
    const args = parse(argv, {
      call: { type: 'string' },
      type: { type: 'string' },
      lines: { type: 'string', short: 'n' },
      interval: { type: 'string' },
    });
    const interval = parsePositive('interval', flag(args, 'interval')) ?? 500;
    const lines = parsePositive('lines', flag(args, 'lines'), true);
    const types = parseTypes(flag(args, 'type'));
    const { dataSource: ds } = await ctx.openReader(args.values);
    const callFlag = flag(args, 'call');
    const callId = callFlag === undefined ? undefined : await resolveCallId(ds, callFlag, '--call');
    const filter = callId === undefined ? {} : { callId };
    const start =
      lines === undefined ? await latestLogPosition(ds) : await positionBefore(ds, lines, { ...filter, ...(types ? { types } : {}) });
    const follower = new LogFollower(ds, start, filter);
    let stop = false;
    void ctx.interrupted.then(() => (stop = true));
    const paint = args.values['json'] ? plain : paintFor(ctx.stdout, ctx.env);
    if (!args.values['json'])
      ctx.stderr.write(
        `following ${callId === undefined ? 'every call' : `call ${callId}`}${types ? ` (${types.join(', ')})` : ''} (Ctrl-C to stop)\n`,
      );
    while (!stop) {
      for (const e of await follower.poll()) {
        if (types && !types.includes(e.type)) continue;
        ctx.stdout.write(args.values['json'] ? `${JSON.stringify(e)}\n` : `${line(e, paint)}\n`);
      }
      await Promise.race([new Promise((r) => setTimeout(r, interval)), ctx.interrupted]);
    }
    return 0;
  },
};

function parseTypes(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const types = raw
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const t of types)
    if (!(EVENT_TYPES as readonly string[]).includes(t)) {
      const guess = nearest(t, EVENT_TYPES);
      throw new UsageError(
        `--type: unknown event type "${t}"${guess ? ` (did you mean ${guess}?)` : ''}; one of ${EVENT_TYPES.join(', ')}`,
      );
    }
  if (types.length === 0) throw new UsageError('--type needs at least one event type');
  return types;
}

/** One event as a line: time, position, the call id (whole), type and what it says; marks painted. */
export function line(e: LogEvent, paint: Paint = plain): string {
  const d = (e.data ?? {}) as Record<string, unknown>;
  let what = '';
  let tone: Tone | undefined;
  switch (e.type) {
    case 'message_added':
      what = `${String(d['role'])}: ${String(d['content'] ?? '')}`;
      break;
    case 'tool_executed':
      what = `${String(d['name'])}(${String(d['arguments'] ?? '')})${d['isError'] ? ' error' : ''}`;
      if (d['isError']) tone = 'fail';
      break;
    case 'metrics_recorded':
      what = `${String(d['kind'])}${d['latencyMs'] !== null && d['latencyMs'] !== undefined ? ` ${Math.round(Number(d['latencyMs']))} ms` : ''}${d['model'] ? ` ${String(d['model'])}` : ''}`;
      break;
    case 'turn_completed': {
      const e2e = typeof d['e2eLatencyMs'] === 'number' ? d['e2eLatencyMs'] : null;
      const sla = typeof d['slaThresholdMs'] === 'number' ? d['slaThresholdMs'] : null;
      const over = e2e !== null && sla !== null && e2e > sla && d['implausible'] !== true;
      what = `e2e ${e2e === null ? '-' : `${Math.round(e2e)} ms`} ${String(d['outcome'])}${over ? ` ⚠ SLA ${sla} ms` : ''}`;
      if (over) tone = 'warn';
      break;
    }
    case 'session_event':
      what = String(d['name']);
      break;
    case 'call_ended':
      what = `${String(d['status'])} ${String(d['reason'] ?? '')}`;
      if (d['status'] === 'failed') tone = 'fail';
      break;
    case 'error_occurred':
      what = String(d['message'] ?? '');
      tone = 'fail';
      break;
    case 'system_event_logged':
      what = String(d['message'] ?? d['eventType'] ?? '');
      tone = d['severity'] === 'WARNING' ? 'warn' : d['severity'] === 'ERROR' || d['severity'] === 'CRITICAL' ? 'fail' : undefined;
      break;
    default:
      break;
  }
  const text = oneLine(what).slice(0, 200).trimEnd();
  return `${utc(e.occurredAt).slice(11)} #${e.position} ${e.callId ?? '-'} ${e.type}${text ? ` ${paint(tone, text)}` : ''}`;
}
