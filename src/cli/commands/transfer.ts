import fs from 'node:fs';
import { once } from 'node:events';
import { toCsv } from '../../export/csv.js';
import { toJsonl } from '../../export/jsonl.js';
import { toOtlp } from '../../export/otlp.js';
import { parseReport, sessionReportEvents } from '../../import/session-report.js';
import { getCallListRow } from '../../queries/call-list.js';
import { flag, parse, parseChoice, parseSince } from '../args.js';
import { COMMON_HELP, type Command } from '../command.js';
import { UsageError } from '../errors.js';
import { json } from '../output.js';
import { Progress } from '../progress.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'stream the record out as jsonl, csv or otlp (OpenTelemetry traces)',
  help: `Usage: convlog export --format jsonl|csv|otlp [--since 7d] [--out file] [--with-content]

Streams what happened since --since (a duration like 24h or an ISO date; default: everything)
to --out, or to stdout. Pages through the store: memory stays flat whatever its size.
  jsonl   the event log, one event per line, as stored
  csv     every message (RFC 4180; transcript, confidence, latency, tokens, cost, tool calls);
          a text cell starting with = + - @ TAB or CR gets a leading ' so a spreadsheet does not
          run it as a formula, and control bytes (ESC, NUL, ...) are removed; --raw keeps both
  otlp    OTLP/JSON traces, one request per line: a trace per call, an invoke_agent span per
          turn and speech_to_text / chat / text_to_speech stage spans (OpenTelemetry GenAI
          semantic conventions); transcripts only with --with-content

${COMMON_HELP}`,
  async run(argv, ctx) {
    const args = parse(argv, {
      format: { type: 'string' },
      since: { type: 'string' },
      out: { type: 'string' },
      'with-content': { type: 'boolean' },
      raw: { type: 'boolean' },
    });
    const format = parseChoice('format', flag(args, 'format'), ['jsonl', 'csv', 'otlp'] as const);
    if (!format) throw new UsageError('export needs --format jsonl, csv or otlp');
    const sinceFlag = flag(args, 'since');
    const since = sinceFlag === undefined ? 0 : parseSince(sinceFlag);
    const logger = await ctx.openLogger(args.values as never);
    const ds = await logger.dataSource();
    const file = flag(args, 'out');
    const out: NodeJS.WritableStream = file ? fs.createWriteStream(file, { mode: 0o600 }) : ctx.stdout;
    const chunks =
      format === 'jsonl' ? toJsonl(ds, since) : format === 'csv' ? toCsv(ds, since, { raw: args.values['raw'] === true }) : toOtlp(ds, since, { withContent: args.values['with-content'] === true });
    const progress = new Progress(ctx.stderr, `exporting ${format}`);
    let n = 0;
    for await (const chunk of chunks) {
      if (!out.write(chunk)) await once(out, 'drain');
      progress.update(++n);
    }
    progress.done();
    if (file) {
      out.end();
      await once(out, 'finish');
      ctx.stderr.write(`wrote ${format === 'csv' ? n - 1 : n} ${format === 'jsonl' ? 'events' : format === 'csv' ? 'messages' : 'calls'} to ${file}\n`);
    }
    return 0;
  },
};

export const importCommand: Command = {
  name: 'import',
  summary: 'load a LiveKit SessionReport JSON (agents-js or Python)',
  help: `Usage: convlog import <report.json> [--call-id ID]

Loads a LiveKit SessionReport, as agents-js and the Python SDK serialise it, into the event log
through the plugin's own mapper, so calls recorded before the plugin was installed, or by a
Python agent, join the same store. The call id is --call-id, else the report's job id, else its
room id. Importing the same report again changes nothing (exit 0, "already in the store").

${COMMON_HELP}`,
  async run(argv, ctx) {
    const args = parse(argv, { 'call-id': { type: 'string' } }, 1);
    const file = args.positionals[0];
    if (file === undefined) throw new UsageError('import needs a file: convlog import <report.json>');
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const callIdFlag = flag(args, 'call-id');
    const report = sessionReportEvents(parseReport(text, file), callIdFlag === undefined ? {} : { callId: callIdFlag });
    const logger = await ctx.openLogger(args.values as never);
    if (await getCallListRow(await logger.dataSource(), report.callId)) {
      if (args.values['json']) ctx.stdout.write(json({ callId: report.callId, imported: false, reason: 'already in the store' }));
      else ctx.stdout.write(`call ${report.callId} is already in the store: nothing imported\n`);
      return 0;
    }
    const progress = new Progress(ctx.stderr, 'importing events', report.events.length);
    let n = 0;
    for (const e of report.events) {
      if (!logger.enqueue(e)) throw new Error('the store queue is full; try again');
      progress.update(++n);
    }
    await logger.flush();
    progress.done();
    const row = await getCallListRow(await logger.dataSource(), report.callId);
    if (args.values['json']) ctx.stdout.write(json({ callId: report.callId, imported: true, events: report.events.length, call: row }));
    else ctx.stdout.write(`imported call ${report.callId} (${report.events.length} events, ${row?.turns ?? 0} turns, status ${row?.status ?? '?'})\n`);
    return 0;
  },
};
