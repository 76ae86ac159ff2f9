import { measureHeardLatency, type HeardLatencyResult } from '../../logger/heard-latency.js';
import { callsToMeasure } from '../../queries/recordings.js';
import { flag, parse, parsePositive } from '../args.js';
import { resolveCallId } from '../call-id.js';
import { COMMON_HELP, type Command } from '../command.js';
import { UsageError } from '../errors.js';
import { json } from '../output.js';

export const measureAudio: Command = {
  name: 'measure-audio',
  summary: "each turn's latency as heard in the call recordings",
  help: `Usage: convlog measure-audio [--call <id>] [--threshold-ms 150] [--dry-run] [-n 1000]

Measures each turn from the call's stereo recording (the user on one channel, the agent on the
other): where the user's speech ended and where the agent's reply began, found by an energy
voice-activity detector on audio ffmpeg decodes (Debian: apt-get install ffmpeg; or set
CONVERSATION_LOG_FFMPEG). The gap is the turn's heard latency, stored beside the SDK's
end-to-end figure; a turn where they differ by more than the threshold is flagged a mismatch.
"convlog show", "convlog stats" and the dashboard show both. Runs after calls, never on an
agent's path: schedule it (cron) or run it by hand.

  --call <id>          that call (or a unique prefix of its id), measured again if it was
  --threshold-ms <ms>  flag |heard - reported| above this (default
                       CONVERSATION_LOG_HEARD_MISMATCH_MS, else the config file's
                       recordings.heardMismatchMs, else 150)
  --dry-run            print what is measured, store nothing
  -n, --limit <n>      without --call: at most n calls not measured yet (default 1000)

${COMMON_HELP}`,
  async run(argv, ctx) {
    const args = parse(argv, {
      call: { type: 'string' },
      'threshold-ms': { type: 'string' },
      'dry-run': { type: 'boolean' },
      limit: { type: 'string', short: 'n' },
    });
    const threshold = parsePositive('threshold-ms', flag(args, 'threshold-ms'), false);
    const limit = parsePositive('limit', flag(args, 'limit'), true) ?? 1000;
    const logger = await ctx.openLogger(args.values);
    const ds = await logger.dataSource();
    const call = flag(args, 'call');
    const ids = call !== undefined ? [await resolveCallId(ds, call)] : await callsToMeasure(ds, limit);
    const results: HeardLatencyResult[] = [];
    for (const id of ids) {
      const result = await measureHeardLatency(logger, id, {
        ...(threshold === undefined ? {} : { mismatchThresholdMs: threshold }),
        dryRun: args.values['dry-run'] === true,
      });
      if (call !== undefined && !result.recorded)
        throw new UsageError(`call ${id} has no recording (record it: session.start({ record: true }))`);
      results.push(result);
      if (!args.values['json']) ctx.stdout.write(describe(result));
    }
    if (args.values['json']) ctx.stdout.write(json(results));
    else if (ids.length === 0) ctx.stdout.write('no recorded call left to measure\n');
    return 0;
  },
};

const fmt = (v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`);

function describe(r: HeardLatencyResult): string {
  const lines = [`${r.callId}: ${r.turns.length} turn(s) measured (mismatch above ${r.mismatchThresholdMs} ms)`];
  for (const [i, t] of r.turns.entries())
    lines.push(
      `  turn ${String(i + 1).padStart(2)}  heard ${fmt(t.heardLatencyMs).padStart(8)}  reported ${fmt(t.reportedLatencyMs).padStart(8)}${t.mismatch ? '  MISMATCH' : ''}`,
    );
  return `${lines.join('\n')}\n`;
}
