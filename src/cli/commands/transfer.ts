import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { probeDurationMs } from '../../audio/probe.js';
import type { NewEventOf } from '../../events/types.js';
import { select } from '../../queries/sql.js';
import { toCsv } from '../../export/csv.js';
import { toJsonl } from '../../export/jsonl.js';
import { otlpRequests, toOtlp } from '../../export/otlp.js';
import { sendOtlp, type OtlpEncoding } from '../../export/otlp-http.js';
import { parseReport, sessionReportEvents } from '../../import/session-report.js';
import { getCallListRow } from '../../queries/call-list.js';
import { mergePricing } from '../../plugin/pricing.js';
import { flag, parse, parseChoice, parseSince, type Parsed } from '../args.js';
import { COMMON_HELP, type Command } from '../command.js';
import { loadConfigFile } from '../config-file.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { json } from '../output.js';
import { Progress } from '../progress.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'stream the record out as jsonl, csv or otlp (OpenTelemetry traces)',
  help: `Usage: convlog export --format jsonl|csv|otlp [--since 7d] [--out file] [--with-content]
       convlog export --format otlp --endpoint http://collector:4318/v1/traces
                      [--otlp-encoding protobuf|json] [--batch-size 20] [--max-attempts 5]
                      [--since 7d] [--with-content]

Streams what happened since --since (a duration like 24h or an ISO date; default: everything)
to --out, or to stdout. Pages through the store: memory stays flat whatever its size.
  jsonl   the event log, one event per line, as stored (analyses and tags are events too)
  csv     every message (RFC 4180; transcript, confidence, latency, tokens, cost, tool calls,
          the call's verdict and tags: call_verdict, call_tags joined by ;);
          a text cell starting with = + - @ TAB or CR gets a leading ' so a spreadsheet does not
          run it as a formula, and control bytes (ESC, NUL, ...) are removed; --raw keeps both
  otlp    OTLP/JSON traces, one request per line: a trace per call, an invoke_agent span per
          turn, a chat span (CLIENT) per LLM request, an execute_tool span per tool call and
          speech_to_text / text_to_speech stage spans (OpenTelemetry GenAI semantic
          conventions, LiveKit's lk.* attribute names); transcripts only with --with-content
With --endpoint (otlp only), the traces are POSTed to that OTLP/HTTP receiver instead:
  --otlp-encoding   protobuf (application/x-protobuf, the default) or json (application/json)
  --batch-size      calls per request (default 20); requests go one at a time, in order
  --max-attempts    tries per request (default 5). 429, 5xx, timeouts and connection errors
                    are retried after an exponential backoff, or after the server's Retry-After;
                    any other status, or the last failed try, ends the export with exit 1
                    (EXPORT_FAILED), saying how many calls were delivered before
  Headers come from OTEL_EXPORTER_OTLP_TRACES_HEADERS or OTEL_EXPORTER_OTLP_HEADERS
  (key=value,key2=value2, as the OpenTelemetry SDKs read them). Progress goes to stderr on a
  terminal; with --json a summary on stdout: {"format", "endpoint", "encoding", "since",
  "records", "unit", "spans", "requests", "retries", "bytes", "rejectedSpans"}.
With --out, a progress bar on a terminal (stderr), and the file is written only into a
directory that exists. With --json (and --out), prints a summary on stdout:
{"format", "file", "since", "records", "unit", "bytes"}.

${COMMON_HELP}`,
  async run(argv, ctx) {
    const args = parse(argv, {
      format: { type: 'string' },
      since: { type: 'string' },
      out: { type: 'string' },
      'with-content': { type: 'boolean' },
      raw: { type: 'boolean' },
      endpoint: { type: 'string' },
      'otlp-encoding': { type: 'string' },
      'batch-size': { type: 'string' },
      'max-attempts': { type: 'string' },
    });
    const format = parseChoice('format', flag(args, 'format'), ['jsonl', 'csv', 'otlp'] as const);
    if (!format) throw new UsageError('export needs --format jsonl, csv or otlp');
    const sinceFlag = flag(args, 'since');
    const since = sinceFlag === undefined ? 0 : parseSince(sinceFlag);
    const file = flag(args, 'out');
    const endpoint = flag(args, 'endpoint');
    for (const only of ['otlp-encoding', 'batch-size', 'max-attempts'])
      if (endpoint === undefined && flag(args, only) !== undefined) throw new UsageError(`--${only} goes with --endpoint`);
    if (endpoint !== undefined) {
      if (format !== 'otlp') throw new UsageError('--endpoint sends traces: it goes with --format otlp');
      if (file !== undefined) throw new UsageError('--endpoint and --out are two destinations: give one');
      return sendToEndpoint(endpoint, since, args, ctx);
    }
    if (file !== undefined) checkOutFile(file);
    const { dataSource: ds } = await ctx.openReader(args.values);
    const unit = format === 'jsonl' ? 'events' : format === 'csv' ? 'messages' : 'calls';
    const countSql =
      format === 'jsonl'
        ? 'SELECT COUNT(*) AS n FROM events WHERE occurred_at >= ?'
        : format === 'csv'
          ? 'SELECT COUNT(*) AS n FROM messages WHERE created_at >= ?'
          : 'SELECT COUNT(*) AS n FROM calls WHERE started_at >= ?';
    const progress = file
      ? new Progress(ctx.stderr, `exporting ${format}`, Number((await select<{ n: unknown }>(ds, countSql, [since]))[0]?.n ?? 0), unit)
      : null;
    const out: NodeJS.WritableStream = file ? fs.createWriteStream(file, { mode: 0o600 }) : ctx.stdout;
    const failed = file ? new Promise<never>((_, reject) => out.once('error', reject)) : null;
    const chunks =
      format === 'jsonl'
        ? toJsonl(ds, since)
        : format === 'csv'
          ? toCsv(ds, since, { raw: args.values['raw'] === true })
          : toOtlp(ds, since, { withContent: args.values['with-content'] === true });
    let n = 0;
    let bytes = 0;
    const write = async () => {
      for await (const chunk of chunks) {
        bytes += Buffer.byteLength(chunk);
        if (!out.write(chunk)) await once(out, 'drain');
        n++;
        progress?.update(format === 'csv' ? n - 1 : n);
      }
      if (file) {
        out.end();
        await once(out, 'finish');
      }
    };
    await (failed ? Promise.race([write(), failed]) : write());
    progress?.done();
    const records = format === 'csv' ? Math.max(0, n - 1) : n;
    if (args.values['json']) {
      const summary = {
        format,
        file: file ? path.resolve(file) : null,
        since: since === 0 ? null : new Date(since).toISOString(),
        records,
        unit,
        bytes,
      };
      // Without --out the export itself is stdout: the summary goes to stderr instead.
      (file ? ctx.stdout : ctx.stderr).write(`${JSON.stringify(summary)}\n`);
    } else if (file) ctx.stderr.write(`wrote ${records} ${unit} to ${file}\n`);
    return 0;
  },
};

/** `--endpoint`: the traces POSTed to an OTLP/HTTP receiver, in batches, with retries. */
async function sendToEndpoint(endpoint: string, since: number, args: Parsed, ctx: CliContext): Promise<number> {
  const encoding: OtlpEncoding = parseChoice('otlp-encoding', flag(args, 'otlp-encoding'), ['protobuf', 'json'] as const) ?? 'protobuf';
  const whole = (name: string): number | undefined => {
    const v = flag(args, name);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${name} must be a whole number of at least 1, got "${v}"`);
    return Number(v);
  };
  const batchSize = whole('batch-size');
  const maxAttempts = whole('max-attempts');
  const headers = otlpHeaders(ctx.env['OTEL_EXPORTER_OTLP_TRACES_HEADERS'] ?? ctx.env['OTEL_EXPORTER_OTLP_HEADERS']);
  const { dataSource: ds } = await ctx.openReader(args.values);
  const [row] = await select<{ n: unknown }>(ds, 'SELECT COUNT(*) AS n FROM calls WHERE started_at >= ?', [since]);
  const progress = new Progress(ctx.stderr, `sending otlp to ${new URL(endpoint).host}`, Number(row?.n ?? 0), 'calls');
  const result = await sendOtlp(otlpRequests(ds, since, { withContent: args.values['with-content'] === true }), {
    endpoint,
    encoding,
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    headers,
    onProgress: (calls) => progress.update(calls),
  }).finally(() => progress.done());
  if (args.values['json'])
    ctx.stdout.write(
      json({
        format: 'otlp',
        endpoint: result.endpoint,
        encoding: result.encoding,
        since: since === 0 ? null : new Date(since).toISOString(),
        records: result.calls,
        unit: 'calls',
        spans: result.spans,
        requests: result.requests,
        retries: result.retries,
        bytes: result.bytes,
        rejectedSpans: result.rejectedSpans,
      }),
    );
  else
    ctx.stderr.write(
      `sent ${result.calls} calls (${result.spans} spans) to ${result.endpoint} in ${result.requests} requests` +
        `${result.retries > 0 ? `, ${result.retries} retried` : ''}${result.rejectedSpans > 0 ? `; the receiver rejected ${result.rejectedSpans} spans` : ''}\n`,
    );
  return 0;
}

/** OTEL_EXPORTER_OTLP_HEADERS: `key=value` pairs, comma separated, values URL-encoded. */
function otlpHeaders(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (value ?? '').split(',')) {
    if (pair.trim() === '') continue;
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError('OTEL_EXPORTER_OTLP_HEADERS must be key=value pairs separated by commas');
    let v = pair.slice(at + 1).trim();
    try {
      v = decodeURIComponent(v);
    } catch {
      // kept as written
    }
    out[pair.slice(0, at).trim().toLowerCase()] = v;
  }
  return out;
}

/** Refuses an --out path whose directory does not exist or is not writable, before any work. */
function checkOutFile(file: string): void {
  const dir = path.dirname(path.resolve(file));
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new UsageError(`--out ${file}: the directory ${dir} does not exist. Create it first (mkdir -p ${dir}) or pick another path.`);
  }
  if (!stat.isDirectory()) throw new UsageError(`--out ${file}: ${dir} is not a directory`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new UsageError(`--out ${file}: the directory ${dir} is not writable by this user`);
  }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new UsageError(`--out ${file} is a directory; give a file name`);
}

export const importCommand: Command = {
  name: 'import',
  summary: 'load a LiveKit SessionReport JSON (agents-js or Python)',
  help: `Usage: convlog import <report.json> [--call-id ID]

Loads a LiveKit SessionReport, as agents-js and the Python SDK serialise it, into the event log
through the plugin's own mapper, so calls recorded before the plugin was installed, or by a
Python agent, join the same store. The call id is --call-id, else the report's job id, else its
room id. Importing the same report again changes nothing (exit 0, "already in the store").
The report's usage totals (tokens, audio, characters per provider and model) become the call's
cost, priced with the config file's pricing over the built-in table. In a report without
session events, tool calls are paired with their outputs by order and name (call ids repeat).
The report's audio recording (audio_recording_path, relative to the report's directory) becomes
the call's recording, its size and duration read from the file when it is there.

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
    // Priced as the agent prices: the config file's table over the built-in one.
    const { config } = await loadConfigFile(flag(args, 'config'), ctx.cwd);
    const pricing = mergePricing(config.pricing);
    const report = sessionReportEvents(parseReport(text, file), {
      pricing,
      // A recording the report names by a relative path is found beside the report.
      recordingBaseDir: path.dirname(path.resolve(file)),
      ...(callIdFlag === undefined ? {} : { callId: callIdFlag }),
    });
    report.events = await Promise.all(report.events.map((e) => (e.type === 'recording_available' ? withFileFacts(e) : Promise.resolve(e))));
    const logger = await ctx.openLogger(args.values);
    if (await getCallListRow(await logger.dataSource(), report.callId)) {
      if (args.values['json']) ctx.stdout.write(json({ callId: report.callId, imported: false, reason: 'already in the store' }));
      else ctx.stdout.write(`call ${report.callId} is already in the store: nothing imported\n`);
      return 0;
    }
    const progress = new Progress(ctx.stderr, 'importing events', report.events.length, 'events');
    let n = 0;
    for (const e of report.events) {
      if (!logger.enqueue(e)) throw new Error('the store queue is full; try again');
      progress.update(++n);
    }
    await logger.flush();
    progress.done();
    const row = await getCallListRow(await logger.dataSource(), report.callId);
    if (args.values['json']) ctx.stdout.write(json({ callId: report.callId, imported: true, events: report.events.length, call: row }));
    else
      ctx.stdout.write(
        `imported call ${report.callId} (${report.events.length} events, ${row?.turns ?? 0} turns, status ${row?.status ?? '?'})\n`,
      );
    return 0;
  },
};

/** A linked recording's size and duration, read from the file when it is there (else left unknown). */
async function withFileFacts(e: NewEventOf<'recording_available'>): Promise<NewEventOf<'recording_available'>> {
  const size = await fs.promises.stat(e.data.path).then(
    (st) => st.size,
    () => null,
  );
  if (size === null) return e;
  return { ...e, data: { ...e.data, sizeBytes: size, durationMs: await probeDurationMs(e.data.path).catch(() => null) } };
}
