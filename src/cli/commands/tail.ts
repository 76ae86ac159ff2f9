import type { LogEvent } from '../../queries/call-detail.js';
import { latestLogPosition, LogFollower } from '../../queries/log-after.js';
import { flag, parse, parsePositive } from '../args.js';
import { COMMON_HELP, type Command } from '../command.js';
import { cut, oneLine, utc } from '../output.js';

export const tail: Command = {
  name: 'tail',
  summary: 'follow new events of the log live, until Ctrl-C',
  help: `Usage: convlog tail [--call <id>] [--interval 500]

Prints each new event of the log as it is committed, by any process writing to the store, in
log order, until Ctrl-C (exit 0). --call follows one call only; --interval is the poll period in
ms. With --json, prints one JSON event per line.

${COMMON_HELP}`,
  async run(argv, ctx) {
    const args = parse(argv, { call: { type: 'string' }, interval: { type: 'string' } });
    const interval = parsePositive('interval', flag(args, 'interval')) ?? 500;
    const callId = flag(args, 'call');
    const logger = await ctx.openLogger(args.values as never);
    const ds = await logger.dataSource();
    const follower = new LogFollower(ds, await latestLogPosition(ds), callId === undefined ? {} : { callId });
    let stop = false;
    void ctx.interrupted.then(() => (stop = true));
    if (!args.values['json']) ctx.stderr.write(`following ${callId === undefined ? 'every call' : `call ${callId}`} (Ctrl-C to stop)\n`);
    while (!stop) {
      for (const e of await follower.poll()) ctx.stdout.write(args.values['json'] ? `${JSON.stringify(e)}\n` : `${line(e)}\n`);
      await Promise.race([new Promise((r) => setTimeout(r, interval)), ctx.interrupted]);
    }
    return 0;
  },
};

/** One event as a line: time, position, call, type and what it says. */
export function line(e: LogEvent): string {
  const d = (e.data ?? {}) as Record<string, unknown>;
  let what = '';
  switch (e.type) {
    case 'message_added':
      what = `${String(d['role'])}: ${String(d['content'] ?? '')}`;
      break;
    case 'tool_executed':
      what = `${String(d['name'])}(${String(d['arguments'] ?? '')})${d['isError'] ? ' error' : ''}`;
      break;
    case 'metrics_recorded':
      what = `${String(d['kind'])}${d['latencyMs'] !== null && d['latencyMs'] !== undefined ? ` ${Math.round(Number(d['latencyMs']))} ms` : ''}${d['model'] ? ` ${String(d['model'])}` : ''}`;
      break;
    case 'turn_completed':
      what = `e2e ${d['e2eLatencyMs'] === null ? '-' : `${Math.round(Number(d['e2eLatencyMs']))} ms`} ${String(d['outcome'])}`;
      break;
    case 'session_event':
      what = String(d['name']);
      break;
    case 'call_ended':
      what = `${String(d['status'])} ${String(d['reason'] ?? '')}`;
      break;
    case 'error_occurred':
    case 'system_event_logged':
      what = String(d['message'] ?? d['eventType'] ?? '');
      break;
    default:
      break;
  }
  return cut(`${utc(e.occurredAt).slice(11)} #${e.position} ${cut(e.callId ?? '-', 16)} ${e.type} ${oneLine(what)}`.trimEnd(), 200);
}
