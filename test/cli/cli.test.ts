import { voice } from '@livekit/agents';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { attachConversationLog } from '../../src/plugin/attach.js';
import { WeatherAgent, weatherLLM, withTimeout } from '../support/livekit/session.js';
import { skipWithout } from '../support/requirements.js';
import { useBuiltCli, type Run } from '../support/built-cli.js';
import { describeEachBackend, freshDatabaseUrl, openLogger, type Backend } from '../support/stores.js';
import { callStarted, seedStore, XSS_SCRIPT, type Seeded } from '../server/seed.js';

const INJECTION = `x' OR '1'='1'; DROP TABLE calls; --`;

// The CLI as users run it: the package built with tsc, run by node as a subprocess.
const built = useBuiltCli('cli');
const convlog = (args: string[], env: Record<string, string | undefined>, cwd?: string): Promise<Run> => built.run(args, env, cwd);

/** A real text-path AgentSession call with a tool, recorded by the plugin. */
async function recordRealCall(logger: ConversationLogger, callId: string) {
  const session = new voice.AgentSession({ llm: weatherLLM() });
  const log = await attachConversationLog(session, undefined, { callId, room: 'room-cli', sink: logger });
  await session.start({ agent: new WeatherAgent() });
  for (const text of ['Hello there', 'What is the weather in Paris?', 'Thanks, bye'])
    await withTimeout(session.run({ userInput: text }).wait(), 10_000);
  await session.close();
  await log.flush();
  return session;
}

const count = async (logger: ConversationLogger, sql: string) => Number((await (await logger.dataSource()).query(sql))[0].n);

describeEachBackend('convlog (the built CLI)', (backend: Backend) => {
  let logger: ConversationLogger;
  let seeded: Seeded;
  let env: Record<string, string>;
  let session: voice.AgentSession;

  beforeAll(async () => {
    const url = await freshDatabaseUrl(backend);
    logger = await openLogger(backend, { databaseUrl: url });
    seeded = await seedStore(logger);
    session = await recordRealCall(logger, 'call-cli');
    env = { DATABASE_URL: url };
  }, 60_000);
  afterAll(async () => {
    await logger?.close();
  });

  it('calls: a table that fits 80 columns, filters by status and room, and --json for scripts', async () => {
    const r = await convlog(['calls', '--since', '48h', '--limit', '5'], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CALL +STARTED UTC +STATUS +ROOM +DUR +TURN +COST +WORST$/);
    expect(lines.slice(1, 6)).toHaveLength(5);
    expect(lines.filter((l) => l.length > 80)).toEqual([]);
    const total = await count(logger, `SELECT COUNT(*) AS n FROM calls WHERE started_at >= ${Date.now() - 48 * 3_600_000}`);
    expect(lines.at(-1)).toBe(`(5 of ${total}; use --limit for more)`);

    const failed = await convlog(['calls', '--status', 'failed', '--since', '7d', '--json'], env);
    const page = JSON.parse(failed.stdout);
    expect(page.rows.length).toBeGreaterThan(0);
    expect(page.rows.every((c: { status: string }) => c.status === 'failed')).toBe(true);
    expect(page.total).toBe(await count(logger, `SELECT COUNT(*) AS n FROM calls WHERE status = 'failed'`));

    const room = await convlog(['calls', '--room', 'room-cli', '--json'], env);
    expect(JSON.parse(room.stdout).rows.map((c: { id: string }) => c.id)).toEqual(['call-cli']);
  });

  it('show: the transcript turn by turn with waterfalls, the tool call and the cost', async () => {
    const r = await convlog(['show', 'call-cli'], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^Call call-cli {2}completed \(user_initiated\)/);
    expect(r.stdout).toMatch(/^Cost \$\d+\.\d{4} = LLM/m);
    const order = [
      'user      Hello there',
      'assistant Hi! How can I help you today?',
      'user      What is the weather in Paris?',
      'tool      get_weather({"city":"Paris"}) → "sunny in Paris"',
      'assistant It is sunny in Paris.',
      'user      Thanks, bye',
      'assistant Goodbye, have a nice day!',
    ].map((s) => lines.findIndex((l) => l.slice(10).startsWith(s)));
    expect(
      order.every((i) => i > 0),
      r.stdout,
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Under each answer: its waterfall figures (text input: derived from LLM time to first token).
    expect(lines[order[1]! + 1]).toMatch(/^ {20}e2e \d+\*: EOU - LLM \d+ TTS -/);
    expect(lines.filter((l) => l.length > 80)).toEqual([]);
  });

  it('show: hostile text and SQL injection are shown or matched verbatim, never executed', async () => {
    const r = await convlog(['show', 'call-xss'], env);
    expect(r.stdout).toContain(XSS_SCRIPT);
    const miss = await convlog(['show', INJECTION], env);
    expect(miss.code).toBe(3);
    expect(miss.stderr).toContain(`no call "${INJECTION}"`);
    const room = await convlog(['calls', '--room', INJECTION, '--since', '30d'], env);
    expect(room.stdout).toBe('no calls match\n');
    expect(await count(logger, 'SELECT COUNT(*) AS n FROM calls')).toBe(seeded.total + 1);
  });

  it('stats: the statistics, percentiles per component, a histogram and --by groups', async () => {
    const r = await convlog(['stats', '--hours', '48', '--json', '--by', 'room'], env);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.statistics).toEqual({ ...(await logger.getCallStatistics({ hours: 48 })), since: s.statistics.since });
    const turns = await count(
      logger,
      `SELECT COUNT(*) AS n FROM turns WHERE implausible = FALSE AND e2e_latency_ms IS NOT NULL AND started_at >= ${Date.now() - 48 * 3_600_000}`,
    );
    expect(s.latency.e2e.num).toBe(turns);
    expect(s.latency.e2e.p50).toBeLessThanOrEqual(s.latency.e2e.p95);
    const histogramTotal = s.histogram.reduce((a: number, b: { count: number }) => a + b.count, 0);
    expect(histogramTotal).toBe(s.statistics.performance.responses);
    expect(s.groups.find((g: { key: string }) => g.key === 'room-cli')).toMatchObject({ calls: 1, completed: 1, turns: 3 });

    const text = await convlog(['stats', '--hours', '48'], env);
    expect(text.stdout).toMatch(/^Latency by component \(ms\)$/m);
    expect(text.stdout).toMatch(/^end to end +\d+ +\d+/m);
    expect(text.stdout).toMatch(/^ +500-750 ms +\d+ +\d+\.\d%/m);
  });

  it('export: jsonl is the log, csv the messages, otlp one GenAI trace per call — streamed to a file', async () => {
    const dir = inject('tmpDir');
    const jsonl = path.join(dir, `export-${backend}.jsonl`);
    expect((await convlog(['export', '--format', 'jsonl', '--out', jsonl], env)).code).toBe(0);
    const events = fs
      .readFileSync(jsonl, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events).toHaveLength(await count(logger, 'SELECT COUNT(*) AS n FROM events'));
    expect(events.every((e, i) => i === 0 || e.position > events[i - 1].position)).toBe(true);

    const csv = path.join(dir, `export-${backend}.csv`);
    expect((await convlog(['export', '--format', 'csv', '--out', csv], env)).code).toBe(0);
    const text = fs.readFileSync(csv, 'utf8');
    expect(text.split('\r\n')[0]).toMatch(/^call_id,conversation_id,message_id,created_at,role,content,/);
    expect(text).toContain(`"Hi, my order ${XSS_SCRIPT} is late"`);
    const records = text.match(/\r\n(?=[^,\r\n]*,)/g)!.length; // rows end with CRLF; quoted newlines are LF only
    expect(records).toBe(await count(logger, 'SELECT COUNT(*) AS n FROM messages'));

    const otlp = await convlog(['export', '--format', 'otlp', '--since', '48h'], env);
    const traces = otlp.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const spans = traces.map((t) => t.resourceSpans[0].scopeSpans[0].spans);
    expect(new Set(spans.map((s) => s[0].traceId)).size).toBe(traces.length);
    const ours = spans.find((s) => s[0].attributes.some((a: { value: { stringValue?: string } }) => a.value.stringValue === 'call-cli'))!;
    expect(ours.filter((s: { name: string }) => s.name.startsWith('invoke_agent'))).toHaveLength(3);
    const chat = ours.find((s: { name: string }) => s.name.startsWith('chat'));
    expect(chat.attributes).toEqual(expect.arrayContaining([{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }]));
    const turns = ours.filter((s: { name: string }) => s.name.startsWith('invoke_agent'));
    expect(turns[0].attributes.map((a: { key: string }) => a.key)).toEqual(
      expect.arrayContaining(['gen_ai.operation.name', 'gen_ai.conversation.id']),
    );
    // Every turn hangs off the call's root span; every stage span off a turn, inside its time.
    for (const t of turns) expect(t.parentSpanId).toBe(ours[0].spanId);
    for (const stage of ours.filter(
      (s: { name: string }) =>
        s.name === 'chat' || s.name.startsWith('chat ') || s.name === 'speech_to_text' || s.name === 'text_to_speech',
    )) {
      const parent = turns.find((t: { spanId: string }) => t.spanId === stage.parentSpanId);
      expect(parent).toBeDefined();
      expect(BigInt(stage.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(parent.startTimeUnixNano));
    }
    // No transcript in traces unless asked for.
    expect(otlp.stdout).not.toContain('Hello there');
  });

  it('import: a LiveKit SessionReport of a real session joins the store, once', async () => {
    const report = voice.sessionReportToJSON(
      voice.createSessionReport({
        jobId: `AJ_import_${backend}`,
        roomId: 'RM_import',
        room: 'room-imported',
        options: session.sessionOptions,
        events: session._recordedEvents,
        chatHistory: session.history.copy(),
      }),
    );
    const file = path.join(inject('tmpDir'), `report-${backend}.json`);
    fs.writeFileSync(file, JSON.stringify(report));
    const r = await convlog(['import', file, '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      callId: `AJ_import_${backend}`,
      imported: true,
      call: { livekitRoom: 'room-imported', turns: 3 },
    });
    const ds = await logger.dataSource();
    const msgs = await ds.query(
      ds.options.type === 'postgres'
        ? 'SELECT role, content FROM messages WHERE call_id = $1 ORDER BY created_at, event_position'
        : 'SELECT role, content FROM messages WHERE call_id = ? ORDER BY created_at, event_position',
      [`AJ_import_${backend}`],
    );
    expect(msgs.map((m: { role: string; content: string }) => (m.role === 'tool' ? 'tool' : m.content))).toEqual([
      'Hello there',
      'Hi! How can I help you today?',
      'What is the weather in Paris?',
      'tool',
      'It is sunny in Paris.',
      'Thanks, bye',
      'Goodbye, have a nice day!',
    ]);
    const again = await convlog(['import', file], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already in the store');
    const bad = path.join(inject('tmpDir'), 'not-a-report.json');
    fs.writeFileSync(bad, '{"hello": 1}');
    const refused = await convlog(['import', bad], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('INVALID_ARGUMENT');
  });

  it('tail: follows events other processes commit, until Ctrl-C', async () => {
    const child = spawn('node', [built.path, 'tail', '--interval', '50'], { env: { ...process.env, ...env }, cwd: inject('tmpDir') });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await withTimeout(new Promise<void>((r) => child.stderr.on('data', () => err.includes('following') && r())), 20_000);
    await logger.append(callStarted('call-tailed', Date.now(), { livekitRoom: 'room-tail' }));
    await withTimeout(
      (async () => {
        while (!out.includes('call-tailed')) await new Promise((r) => setTimeout(r, 50));
      })(),
      20_000,
    );
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(out).toMatch(/#\d+ call-tailed call_started/);
  });

  it('migrate --status, cleanup --dry-run then cleanup, rebuild: counts agree with the store', async () => {
    const status = JSON.parse((await convlog(['migrate', '--status', '--json'], env)).stdout);
    expect(status).toMatchObject({ pendingCount: 0, pending: [] });
    expect(status.applied.length).toBeGreaterThan(0);

    const old = await count(logger, `SELECT COUNT(*) AS n FROM calls WHERE started_at < ${Date.now() - 2 * 86_400_000}`);
    expect(old).toBeGreaterThan(0);
    const dry = JSON.parse((await convlog(['cleanup', '--retention-days', '2', '--dry-run', '--json'], env)).stdout);
    expect(dry.calls).toBe(old);
    const before = await count(logger, 'SELECT COUNT(*) AS n FROM calls');
    expect(before).toBeGreaterThan(old);
    const done = JSON.parse((await convlog(['cleanup', '--retention-days', '2', '--yes', '--json'], env)).stdout);
    expect(done.calls).toBe(old);
    expect(await count(logger, 'SELECT COUNT(*) AS n FROM calls')).toBe(before - old);

    const messages = await count(logger, 'SELECT COUNT(*) AS n FROM messages');
    const rebuilt = JSON.parse((await convlog(['rebuild', '--json'], env)).stdout);
    expect(rebuilt.events).toBe(await count(logger, 'SELECT COUNT(*) AS n FROM events'));
    expect(await count(logger, 'SELECT COUNT(*) AS n FROM messages')).toBe(messages);
  });

  it('a newcomer: id prefixes, --sort, the slowest call named, export --json, tail -n/--type, cleanup needs --yes', async () => {
    // given the seeded store; when show gets a unique prefix of an id, then it shows that call
    const byPrefix = await convlog(['show', 'call-cl'], env);
    expect(byPrefix.code).toBe(0);
    expect(byPrefix.stdout).toMatch(/^Call call-cli /);
    expect(byPrefix.stderr).toMatch(/^store: (sqlite:\/|postgres)/m);
    // a prefix many ids share is refused, naming them
    const ambiguous = await convlog(['show', 'call-bulk-0'], env);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/"call-bulk-0" is ambiguous: 10 calls start with it \(call-bulk-00, call-bulk-01, /);
    // --sort latency puts the slowest first
    const sorted = JSON.parse((await convlog(['calls', '--since', '30d', '--sort', 'latency', '--json'], env)).stdout).rows;
    const worst = sorted.map((r: { worstLatencyMs: number | null }) => r.worstLatencyMs).filter((v: number | null) => v !== null);
    expect(worst).toEqual([...worst].sort((a: number, b: number) => b - a));
    // stats names the call of its slowest answer, and that call has it
    const stats = JSON.parse((await convlog(['stats', '--hours', '48', '--json'], env)).stdout);
    expect(stats.worst.e2eLatencyMs).toBe(stats.latency.e2e.max);
    const rows = await (
      await logger.dataSource()
    ).query(`SELECT MAX(e2e_latency_ms) AS m FROM turns WHERE call_id = '${stats.worst.callId}' AND implausible = FALSE`);
    expect(Number(rows[0].m)).toBe(stats.worst.e2eLatencyMs);
    // export --json: a summary whose count is the file's
    const file = path.join(inject('tmpDir'), `summary-${backend}.jsonl`);
    const exported = await convlog(['export', '--format', 'jsonl', '--out', file, '--json'], env);
    expect(JSON.parse(exported.stdout)).toMatchObject({
      format: 'jsonl',
      records: fs.readFileSync(file, 'utf8').trimEnd().split('\n').length,
      unit: 'events',
    });
    // under --json an error is one JSON line on stderr (stdout stays for results), with the same exit code
    const unknownJson = await convlog(['show', 'no-such-call', '--json'], env);
    expect(unknownJson.code).toBe(3);
    expect(unknownJson.stdout).toBe('');
    expect(JSON.parse(unknownJson.stderr)).toEqual({
      error: { command: 'show', code: 'NOT_FOUND', message: expect.stringContaining('no-such-call'), exitCode: 3 },
    });
    const usageJson = await convlog(['calls', '--sinse', '7d', '--json'], env);
    expect(usageJson.code).toBe(2);
    expect(JSON.parse(usageJson.stderr).error).toMatchObject({
      command: 'calls',
      code: 'USAGE',
      message: expect.stringContaining('--since'),
    });
    const missingDir = await convlog(['export', '--format', 'csv', '--out', '/missing/dir/x.csv'], env);
    expect(missingDir.code).toBe(2);
    expect(missingDir.stderr).toContain('the directory /missing/dir does not exist');
    // tail -n 3 --type message_added starts with the last three messages of the call
    const child = spawn('node', [built.path, 'tail', '-n', '3', '--type', 'message_added', '--call', 'call-cli', '--interval', '50'], {
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await withTimeout(
      (async () => {
        while (out.trimEnd().split('\n').length < 3) await new Promise((r) => setTimeout(r, 50));
      })(),
      20_000,
    );
    child.kill('SIGINT');
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
    const tailed = out.trimEnd().split('\n');
    expect(tailed).toHaveLength(3);
    expect(tailed.every((l) => / call-cli message_added /.test(l))).toBe(true);
    expect(tailed.at(-1)).toContain('Goodbye, have a nice day!');
    // cleanup of everything without a terminal and without --yes deletes nothing
    const before = await count(logger, 'SELECT COUNT(*) AS n FROM calls');
    const refused = await convlog(['cleanup', '--retention-days', '0'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --yes');
    expect(await count(logger, 'SELECT COUNT(*) AS n FROM calls')).toBe(before);
  });

  it('serve: the dashboard on the same store, until Ctrl-C', async () => {
    const child = spawn('node', [built.path, 'serve', '--port', '0', '--json'], { env: { ...process.env, ...env }, cwd: inject('tmpDir') });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await withTimeout(
      (async () => {
        while (!out.includes('\n')) await new Promise((r) => setTimeout(r, 50));
      })(),
      20_000,
    );
    const { url } = JSON.parse(out);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(`${url}api/calls?limit=500`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { rows: Array<{ id: string }> };
    expect(body.rows.map((c) => c.id)).toContain('call-cli');
    child.kill('SIGINT');
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
  });
});

describe('convlog usage and configuration', () => {
  it('answers --help for every command, and a usage error with exit code 2', async () => {
    const top = await convlog(['--help'], {});
    expect(top.code).toBe(0);
    const names = [...top.stdout.matchAll(/^ {2}([a-z-]+) +/gm)].map((m) => m[1]);
    expect(names).toEqual([
      'migrate',
      'calls',
      'show',
      'search',
      'stats',
      'diff',
      'analyze',
      'tail',
      'export',
      'import',
      'measure-audio',
      'cleanup',
      'rebuild',
      'serve',
      'webhooks',
    ]);
    expect(top.stdout.split('\n').filter((l) => l.length > 80)).toEqual([]);
    for (const name of names) {
      const h = await convlog([name!, '--help'], {});
      expect(h.code).toBe(0);
      expect(h.stdout).toMatch(new RegExp(`^Usage: convlog ${name}`));
      expect(h.stdout).toContain('--json');
    }
    const bad = await convlog(['calls', '--since', 'yesterday'], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since must be a duration');
    expect((await convlog(['frobnicate'], {})).code).toBe(2);
  }, 120_000);

  it('refuses a mistyped SQLite path instead of creating an empty store, and suggests the near flag', async () => {
    const missing = path.join(inject('tmpDir'), 'no-such-dir', 'typo.db');
    for (const cmd of [['calls'], ['show', 'x'], ['stats'], ['export', '--format', 'jsonl']]) {
      const r = await convlog(cmd, { DATABASE_URL: `sqlite:${missing}` });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`STORE_NOT_FOUND: no store at sqlite:${missing}`);
    }
    expect(fs.existsSync(path.dirname(missing))).toBe(false);
    const typo = await convlog(['calls', '--sinse', '2h'], {});
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('convlog calls: unknown option --sinse (did you mean --since?)\nRun "convlog calls --help" for usage.\n');
    expect((await convlog(['stast'], {})).stderr).toContain('did you mean "convlog stats"?');
  }, 90_000); // seven CLI processes, one after another

  it('reads the database URL from agent.config.ts in the working directory, and DATABASE_URL overrides it', async () => {
    const dir = fs.mkdtempSync(path.join(inject('tmpDir'), 'agent-'));
    const fromFile = path.join(dir, 'from-file.db');
    const configModule = path.resolve('src/plugin/config.ts');
    fs.writeFileSync(
      path.join(dir, 'agent.config.ts'),
      `import { defineConversationLogConfig } from '${configModule}';\nexport default defineConversationLogConfig({ databaseUrl: 'sqlite:${fromFile}' });\n`,
    );
    const r = await convlog(['migrate', '--json'], { DATABASE_URL: undefined }, dir);
    expect(r.code).toBe(0);
    expect(fs.existsSync(fromFile)).toBe(true);

    const fromEnv = path.join(dir, 'from-env.db');
    expect((await convlog(['migrate'], { DATABASE_URL: `sqlite:${fromEnv}` }, dir)).code).toBe(0);
    expect(fs.existsSync(fromEnv)).toBe(true);

    const broken = path.join(dir, 'broken.config.mjs');
    fs.writeFileSync(broken, 'export default 42;\n');
    const refused = await convlog(['calls', '--config', broken], { DATABASE_URL: undefined }, dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('CONFIG_INVALID');
  });

  it.skipIf(skipWithout('tmux'))(
    'show and stats line up at 80 columns in a real terminal (tmux)',
    async () => {
      const url = await freshDatabaseUrl('sqlite');
      const logger = await openLogger('sqlite', { databaseUrl: url });
      await seedStore(logger);
      await recordRealCall(logger, 'call-tmux');
      await logger.close();
      const session = `convlog-${process.pid}`;
      const capture = (args: string) => {
        execFileSync('tmux', [
          'new-session',
          '-d',
          '-s',
          session,
          '-x',
          '80',
          '-y',
          '100',
          `DATABASE_URL=${url} node ${built.path} ${args}; sleep 30`,
        ]);
        try {
          for (let i = 0; i < 100; i++) {
            const screen = execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' });
            if (/\n(Response latency|Latency per answer)/.test(screen) && screen.trimEnd().split('\n').length > 12) {
              execFileSync('sleep', ['0.3']);
              return execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' });
            }
            execFileSync('sleep', ['0.1']);
          }
          throw new Error('the command printed nothing in tmux');
        } finally {
          execFileSync('tmux', ['kill-session', '-t', session]);
        }
      };
      const stats = capture('stats --hours 48').split('\n');
      const header = stats.findIndex((l) => l.startsWith('COMPONENT'));
      expect(header).toBeGreaterThan(0);
      // Right-aligned columns: every row of the table ends where the header ends.
      const end = stats[header]!.trimEnd().length;
      for (const l of stats.slice(header + 1, header + 8)) expect(l.trimEnd().length).toBe(end);
      const show = capture('show call-tmux').split('\n');
      // Nothing wrapped by the terminal: each message line starts with a time or the indent.
      const body = show.slice(show.findIndex((l) => /^\d\d:\d\d:\d\d {2}user/.test(l)));
      expect(body.length).toBeGreaterThan(5);
      for (const l of body.filter((x) => x.trim() !== '')) expect(l).toMatch(/^(\d\d:\d\d:\d\d {2}[a-z(]|\s{20}\S|Events:)/);
    },
    60_000,
  );

  it.skipIf(skipWithout('tmux'))(
    'failures are red and SLA breaches yellow in a real terminal (tmux), and no colour with NO_COLOR or into a pipe',
    async () => {
      // given a store with a failed call and calls over the SLA
      const url = await freshDatabaseUrl('sqlite');
      const logger = await openLogger('sqlite', { databaseUrl: url });
      const seeded = await seedStore(logger);
      await logger.close();
      const session = `convlog-c-${process.pid}`;
      const screen = (env: string) => {
        execFileSync('tmux', [
          'new-session',
          '-d',
          '-s',
          session,
          '-x',
          '160',
          '-y',
          '60',
          `${env} DATABASE_URL=${url} node ${built.path} calls --since 30d --limit 50; echo __done__; sleep 30`,
        ]);
        try {
          for (let i = 0; i < 100; i++) {
            // -e keeps the escape sequences the program wrote (as the terminal holds them)
            const text = execFileSync('tmux', ['capture-pane', '-p', '-e', '-t', session], { encoding: 'utf8' });
            if (text.includes('__done__')) return text.split('\n');
            execFileSync('sleep', ['0.1']);
          }
          throw new Error('calls printed nothing in tmux');
        } finally {
          execFileSync('tmux', ['kill-session', '-t', session]);
        }
      };
      // when listed on a terminal, then the failed call's status is red and a breach's worst latency yellow
      const coloured = screen('');
      const failedRow = coloured.find((l) => l.startsWith(seeded.failedCallId))!;
      // eslint-disable-next-line no-control-regex -- the escape sequences a terminal holds are what is checked
      expect(failedRow).toMatch(/\x1b\[31mfailed\x1b\[(39|0)?m/);
      // (the terminal may hold the colour's reset at the start of the next line)
      // eslint-disable-next-line no-control-regex -- the escape sequences a terminal holds are what is checked
      expect(coloured.filter((l) => /\x1b\[33m\d+ ms/.test(l)).length).toBeGreaterThan(0);
      const completed = coloured.find((l) => /^\S+ .*completed/.test(l) && !l.includes('\x1b[33m'));
      expect(completed).toBeDefined();
      expect(completed).not.toContain('\x1b[31m');
      // when NO_COLOR is set, or the output is a pipe, then no escape sequence at all
      const noColour = screen('NO_COLOR=1');
      expect(noColour.some((l) => l.startsWith(seeded.failedCallId))).toBe(true);
      // eslint-disable-next-line no-control-regex -- the escape sequences a terminal holds are what is checked
      expect(noColour.join('\n')).not.toMatch(/\x1b\[3[13]m/);
      const piped = await convlog(['calls', '--since', '30d', '--limit', '50'], { DATABASE_URL: url });
      expect(piped.stdout).toContain(seeded.failedCallId);
      expect(piped.stdout).not.toContain('\x1b[');
    },
    60_000,
  );

  it.skipIf(skipWithout('tmux'))(
    'calls uses the width of a real terminal, 80 or 200 columns, and never cuts an id (tmux)',
    async () => {
      const url = await freshDatabaseUrl('sqlite');
      const logger = await openLogger('sqlite', { databaseUrl: url });
      const longId = `call-${'x'.repeat(40)}-end`;
      await logger.append(callStarted(longId, Date.now(), { livekitRoom: `room-${'r'.repeat(80)}` }));
      await logger.close();
      const session = `convlog-w-${process.pid}`;
      const capture = (width: number) => {
        execFileSync('tmux', [
          'new-session',
          '-d',
          '-s',
          session,
          '-x',
          String(width),
          '-y',
          '20',
          `DATABASE_URL=${url} node ${built.path} calls; echo __done__; sleep 30`,
        ]);
        try {
          for (let i = 0; i < 100; i++) {
            const screen = execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' });
            if (screen.includes('__done__')) return screen.split('\n');
            execFileSync('sleep', ['0.1']);
          }
          throw new Error('calls printed nothing in tmux');
        } finally {
          execFileSync('tmux', ['kill-session', '-t', session]);
        }
      };
      for (const width of [80, 200]) {
        const screen = capture(width);
        const header = screen.find((l) => l.startsWith('CALL'))!;
        const row = screen.find((l) => l.startsWith(longId))!;
        // The id whole (it pastes into show), nothing wrapped by the terminal.
        expect(row.startsWith(`${longId} `)).toBe(true);
        expect(row.trimEnd().length).toBeLessThanOrEqual(width);
        if (width === 200) {
          expect(header).toMatch(/ROOM/);
          expect(row).toContain(`room-${'r'.repeat(60 - 6)}`);
        } else expect(row.trimEnd().length).toBeGreaterThan(60);
      }
    },
    60_000,
  );
});
