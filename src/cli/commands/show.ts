import { getCallDetail, type CallDetail } from '../../queries/call-detail.js';
import { parse } from '../args.js';
import { COMMON_HELP, type Command } from '../command.js';
import { resolveCallId } from '../call-id.js';
import { NotFoundError, UsageError } from '../errors.js';
import { cut, duration, json, ms, oneLine, paintFor, plain, terminalWidth, usd, utc, wrap, type Paint } from '../output.js';
import { WATERFALL_LEGEND, waterfallBar, waterfallFigures } from '../waterfall.js';

const INDENT = 20; // "HH:MM:SS  assistant " → text starts at column 20

export const show: Command = {
  name: 'show',
  summary: 'one call: transcript, latency waterfalls, tools, errors, cost',
  help: `Usage: convlog show <callId or a unique prefix of it>

Prints a call as it happened: each message with its time (UTC), each answer with its latency
waterfall (end of turn, transcription, LLM time to first token, TTS time to first byte, end to
end, SLA marks; once "convlog measure-audio" has run, the latency heard in the recording beside
the reported one, marked when they differ by more than the threshold), tool calls with arguments
and results, interruptions, errors, and the cost of the call, as wide as the terminal (COLUMNS
when piped). Above the transcript: the agent's tags and outcome, and the post-call analysis (its
verdict and reason, summary, the fields extracted — marked invalid when they do not match the
schema — and the analysis LLM's model, tokens and cost), or why the analysis failed. --json gives
the same as fields analysis, tags and outcome. A prefix that more than one call id starts with is
refused, naming them (exit 2). Exit code 3 when there is no such call.

${COMMON_HELP}`,
  async run(argv, ctx) {
    const args = parse(argv, {}, 1);
    const callId = args.positionals[0];
    if (callId === undefined) throw new UsageError('show needs a call id: convlog show <callId>');
    const { dataSource } = await ctx.openReader(args.values);
    const id = await resolveCallId(dataSource, callId);
    const detail = await getCallDetail(dataSource, id, { eventLimit: 1 });
    if (!detail) throw new NotFoundError(`no call "${cut(oneLine(callId), 60)}" in this store (convlog calls lists them)`);
    if (args.values['json']) {
      ctx.stdout.write(json({ ...detail, events: undefined }));
      return 0;
    }
    ctx.stdout.write(render(detail, terminalWidth(ctx.stdout, ctx.env), paintFor(ctx.stdout, ctx.env)));
    return 0;
  },
};

/** The call as text, `WIDTH` columns wide; failures and SLA breaches painted. */
export function render(d: CallDetail, WIDTH = 80, paint: Paint = plain): string {
  const c = d.call;
  const out: string[] = [];
  const cost = d.conversations.reduce(
    (a, x) => ({
      llm: a.llm + x.costUsd.llm,
      stt: a.stt + x.costUsd.stt,
      tts: a.tts + x.costUsd.tts,
      rt: a.rt + x.costUsd.realtime,
      total: a.total + x.costUsd.total,
    }),
    { llm: 0, stt: 0, tts: 0, rt: 0, total: 0 },
  );
  const sla = d.conversations.find((x) => x.slaThresholdMs !== null)?.slaThresholdMs ?? null;
  // The id whole (it pastes into other commands); only the end reason may be cut.
  const reason = c.endReason ? ` (${cut(oneLine(c.endReason), Math.max(10, WIDTH - c.id.length - c.status.length - 20))})` : '';
  out.push(`Call ${oneLine(c.id)}  ${c.status === 'failed' ? paint('fail', c.status) : c.status}${reason}  ${duration(c.durationMs)}`);
  out.push(cut(`Started ${utc(c.startedAt)} UTC  room ${oneLine(c.livekitRoom ?? '-')}  caller ${oneLine(c.callerNumber ?? '-')}`, WIDTH));
  if (c.release !== null) out.push(cut(`Release ${oneLine(c.release)}`, WIDTH));
  out.push(
    cut(
      `Cost ${usd(cost.total)} = LLM ${usd(cost.llm)} + STT ${usd(cost.stt)} + TTS ${usd(cost.tts)}${cost.rt ? ` + realtime ${usd(cost.rt)}` : ''}`,
      WIDTH,
    ),
  );
  const over = `${c.slaViolations} over`;
  out.push(
    `Turns ${c.turns}  interruptions ${c.interruptions}  SLA ${sla === null ? '-' : `${sla} ms`} (${c.slaViolations ? paint('warn', over) : over})  ` +
      `errors ${c.errors ? paint('fail', String(c.errors)) : '0'}`,
  );
  if (c.error) out.push(paint('fail', cut(`Error: ${oneLine(c.error)}`, WIDTH)));
  renderLabels(d, out, WIDTH, paint);

  const turnOf = new Map(d.turns.filter((t) => t.assistantMessageId).map((t) => [t.assistantMessageId!, t]));
  const worst = Math.max(sla ?? 0, ...d.turns.map((t) => (t.implausible ? 0 : (t.e2eLatencyMs ?? 0))));
  const msPerChar = Math.max(10, Math.ceil(worst / (WIDTH - INDENT - 2)));
  if (d.turns.some((t) => t.e2eLatencyMs !== null))
    out.push('', `Latency per answer in ms (* derived); bar: 1 char = ${msPerChar} ms,`, `  ${WATERFALL_LEGEND}`);
  let agent = '';
  for (const m of d.messages) {
    const conversation = d.conversations.find((x) => x.id === m.conversationId);
    if (conversation && conversation.agentName && conversation.agentName !== agent) {
      agent = conversation.agentName;
      out.push('', `— agent ${oneLine(agent)} —`);
    } else if (m === d.messages[0]) out.push('');
    const time = utc(m.createdAt).slice(11);
    const who = (m.role === 'assistant' ? 'assistant' : m.role).padEnd(10);
    let text: string;
    if (m.role === 'tool') {
      text = `${m.toolName ?? 'tool'}(${m.toolArguments ?? ''}) → ${m.content}${m.toolIsError ? '  [error]' : ''}${m.processingTimeMs !== null ? `  (${ms(m.processingTimeMs)})` : ''}`;
    } else {
      text = m.content;
      if (m.role === 'user' && m.sttConfidence !== null) text += `  (STT ${m.sttConfidence.toFixed(2)})`;
      if (m.interrupted) text += '  [interrupted]';
    }
    out.push(`${time}  ${who}${wrap(text, WIDTH, INDENT)}`);
    const t = turnOf.get(m.id);
    if (t) {
      const mark = (t.slaViolation ? '  ⚠ SLA' : t.implausible ? '  ⚠ implausible' : '') + (t.heardMismatch ? '  ⚠ heard ≠ reported' : '');
      out.push(`${' '.repeat(INDENT)}${cut(waterfallFigures(t), WIDTH - INDENT - mark.length)}${paint(mark ? 'warn' : undefined, mark)}`);
      if (t.e2eLatencyMs !== null && !t.implausible)
        out.push(`${' '.repeat(INDENT)}${cut(waterfallBar(t, msPerChar, sla), WIDTH - INDENT)}`);
    }
  }
  for (const t of d.turns.filter((x) => x.assistantMessageId === null))
    out.push(`${utc(t.startedAt).slice(11)}  ${'(no reply)'.padEnd(10)}turn ${t.outcome.replace('_', ' ')}`);
  const problems = d.systemEvents.filter((s) => s.severity === 'ERROR' || s.severity === 'CRITICAL' || s.severity === 'WARNING');
  if (problems.length) {
    out.push('', 'Events:');
    for (const s of problems)
      out.push(
        paint(
          s.severity === 'WARNING' ? 'warn' : 'fail',
          cut(
            `${utc(s.createdAt).slice(11)}  ${s.severity.padEnd(8)} ${s.eventType}: ${oneLine(s.message)}${s.count > 1 ? ` (×${s.count})` : ''}`,
            WIDTH,
          ),
        ),
      );
  }
  return `${out.join('\n')}\n`;
}

/** The agent's tags and outcome, and the post-call analysis. */
function renderLabels(d: CallDetail, out: string[], WIDTH: number, paint: Paint): void {
  if (d.tags.length) out.push(cut(`Tags ${d.tags.map(oneLine).join(', ')}`, WIDTH));
  if (d.outcome)
    out.push(
      `Outcome ${d.outcome.outcome === 'fail' ? paint('fail', 'fail') : 'success'}${d.outcome.reason ? ` (${wrap(d.outcome.reason, WIDTH, 2)})` : ''}`,
    );
  const a = d.analysis;
  if (a === null) return;
  const tokens = a.tokensInput === null ? '' : `, ${a.tokensInput} + ${a.tokensOutput ?? 0} tokens`;
  const run = `${a.model ?? 'unknown model'}${tokens}, ${a.costUsd === null ? 'cost unknown' : usd(a.costUsd)}, ${a.attempts} attempt${a.attempts === 1 ? '' : 's'}`;
  out.push('', cut(`Analysis (${oneLine(run)})`, WIDTH));
  if (a.status === 'failed') {
    out.push(paint('fail', `  failed: ${wrap(`${a.errorType ?? 'error'}: ${a.error ?? ''}`, WIDTH, 2)}`));
    return;
  }
  if (a.verdict !== null || a.verdictReason !== null) {
    const v = a.verdict ?? 'none';
    out.push(
      `  Verdict ${v === 'fail' ? paint('fail', v) : v === 'unclear' ? paint('warn', v) : v}${a.verdictReason ? `: ${wrap(a.verdictReason, WIDTH, 4)}` : ''}`,
    );
  }
  if (a.summary !== null) out.push(`  Summary ${wrap(a.summary, WIDTH, 4)}`);
  if (a.fieldsValid !== null) {
    out.push(`  Fields${a.fieldsValid ? '' : ` ${paint('warn', '(invalid: they do not match the schema)')}`}`);
    const fields = a.fields;
    if (fields !== null && typeof fields === 'object' && !Array.isArray(fields))
      for (const [k, v] of Object.entries(fields)) out.push(cut(`    ${oneLine(k)}: ${oneLine(JSON.stringify(v))}`, WIDTH));
    else out.push(cut(`    ${oneLine(JSON.stringify(fields))}`, WIDTH));
    for (const e of a.fieldsErrors ?? []) out.push(paint('warn', cut(`    ! ${oneLine(e)}`, WIDTH)));
  }
}
