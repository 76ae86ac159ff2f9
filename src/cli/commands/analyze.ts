import { resolveAnalysis } from '../../analysis/options.js';
import { analyzeStoredCalls, type AnalysisResult } from '../../analysis/run.js';
import { flag, parse, parseSince } from '../args.js';
import { resolveCallId } from '../call-id.js';
import { COMMON_HELP, type Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { cut, json, oneLine, paintFor, terminalWidth, usd } from '../output.js';
import { Progress } from '../progress.js';

export const analyze: Command = {
  name: 'analyze',
  summary: 'post-call analysis of stored calls with the LLM of agent.config.ts',
  help: `Usage: convlog analyze [--since 24h] [--call <id>] [--redo]

Runs the post-call analysis of agent.config.ts (analysis: { llm, criteria, schema }) over stored
calls that have ended: each call's transcript, read from the store (so redacted as the store is),
goes to the analysis LLM, and its summary, verdict and fields are stored as analysis_completed
(or analysis_failed, after the retries), as the agent does after each call. Calls already
analysed are skipped; those whose analysis failed are analysed again. Prints one line per call:
its verdict and summary, or why it failed. Exit code 1 when some analysis failed (it is stored).
  --since <when>   calls that started since a duration ago (30m, 24h, 7d) or an ISO date
                   (default 24h; with --call, every time)
  --call <id>      this call only (an id or a unique prefix of one)
  --redo           analyse again calls that already have an analysis (the new one replaces it)

${COMMON_HELP}`,
  async run(argv, ctx) {
    const args = parse(argv, { since: { type: 'string' }, call: { type: 'string' }, redo: { type: 'boolean' } });
    const options = await ctx.storeOptions(args.values);
    if (options.analysis === undefined)
      throw new UsageError(
        'convlog analyze needs an analysis LLM: set analysis: { llm, criteria, schema } in agent.config.ts (or pass --config <file>)',
      );
    const analysis = resolveAnalysis(options.analysis, options.pricing);
    const since = flag(args, 'since');
    const call = flag(args, 'call');
    const logger = await ctx.openLogger(args.values);
    const ds = await logger.dataSource();
    const callId = call === undefined ? undefined : await resolveCallId(ds, call, '--call');
    const from = since !== undefined || callId === undefined ? parseSince(since ?? '24h') : undefined;
    const progress = new Progress(ctx.stderr, 'analysing', null, 'calls');
    const result = await analyzeStoredCalls(
      logger,
      analysis,
      {
        ...(from === undefined ? {} : { from }),
        ...(callId === undefined ? {} : { callId }),
        ...(args.values['redo'] ? { redo: true } : {}),
      },
      (done) => progress.update(done),
    );
    progress.done();
    if (args.values['json']) {
      ctx.stdout.write(json(result));
      return result.failed > 0 ? EXIT.FAILURE : EXIT.OK;
    }
    if (result.analysed === 0) {
      ctx.stdout.write(
        callId !== undefined
          ? `call ${callId} was not analysed: it is still active${args.values['redo'] ? '' : ', or already has an analysis (--redo analyses it again)'}\n`
          : `no call to analyse${args.values['redo'] ? '' : ' (calls already analysed are skipped; --redo analyses them again)'}\n`,
      );
      return EXIT.OK;
    }
    const width = terminalWidth(ctx.stdout, ctx.env);
    const paint = paintFor(ctx.stdout, ctx.env);
    for (const r of result.results) ctx.stdout.write(`${cut(line(r, paint), Math.max(width, r.callId.length + 20))}\n`);
    const cost = result.results.reduce<number | null>((a, r) => (r.costUsd === null ? a : (a ?? 0) + r.costUsd), null);
    ctx.stdout.write(
      `${result.analysed} call${result.analysed === 1 ? '' : 's'} analysed: ${result.completed} completed, ${result.failed} failed; cost ${cost === null ? 'unknown' : usd(cost)}\n`,
    );
    return result.failed > 0 ? EXIT.FAILURE : EXIT.OK;
  },
};

/** One call's result: its whole id, then the verdict and summary, or the failure. */
function line(r: AnalysisResult, paint: ReturnType<typeof paintFor>): string {
  if (r.status === 'failed') return `${r.callId}  ${paint('fail', 'failed')}  ${r.errorType}: ${oneLine(r.error)}`;
  const verdict = r.verdict ?? '-';
  const invalid = r.fieldsValid === false ? `  ${paint('warn', '[fields invalid]')}` : '';
  return `${r.callId}  ${verdict === 'fail' ? paint('fail', verdict) : verdict}${invalid}  ${oneLine(r.summary ?? r.verdictReason ?? '')}`;
}
