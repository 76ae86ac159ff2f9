import { voice } from '@livekit/agents';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { attachConversationLog } from '../../src/plugin/attach.js';
import { costOf, DEFAULT_PRICING, mergePricing } from '../../src/plugin/pricing.js';
import { getCallDetail } from '../../src/queries/call-detail.js';
import { getCallListRow } from '../../src/queries/call-list.js';
import { convlogInProcess as convlog } from '../support/cli-in-process.js';
import { WeatherAgent, withTimeout } from '../support/livekit/session.js';
import { ScriptedLLM, type ScriptedAnswer } from '../support/livekit/scripted-llm.js';
import { skipWithout } from '../support/requirements.js';
import { describeEachBackend, freshDatabaseUrl, openLogger, type Backend } from '../support/stores.js';

/** Two tool rounds whose calls share one id (as FakeLLM's `fake_call_0`, or the Responses plugin's `''`). */
const script = (callId: string): ScriptedAnswer[] => [
  { toolCalls: [{ name: 'get_weather', args: { city: 'Paris' }, callId }], usage: { promptTokens: 150, completionTokens: 8 } },
  { content: 'It is sunny in Paris.', usage: { promptTokens: 180, promptCachedTokens: 100, completionTokens: 9 } },
  { toolCalls: [{ name: 'get_weather', args: { city: 'Atlantis' }, callId }], usage: { promptTokens: 200, completionTokens: 7 } },
  { content: 'I could not find Atlantis.', usage: { promptTokens: 220, promptCachedTokens: 150, completionTokens: 10 } },
];
const TOTALS = { input: 150 + 180 + 200 + 220, cached: 100 + 150, output: 8 + 9 + 7 + 10 };

type Row = Record<string, unknown>;

describeEachBackend('import of a LiveKit SessionReport', (backend: Backend) => {
  let logger: ConversationLogger;
  let url: string;
  const reports = new Map<string, { withEvents: string; historyOnly: string }>();

  const q = async (sql: string, params: unknown[]): Promise<Row[]> => {
    const ds = await logger.dataSource();
    let n = 0;
    return ds.query(ds.options.type === 'postgres' ? sql.replace(/\?/g, () => `$${++n}`) : sql, params) as Promise<Row[]>;
  };

  /** A real session, recorded live by the plugin as `live-<name>`, and its report written two ways. */
  async function recordSession(name: string, callId: string) {
    const model = new ScriptedLLM(script(callId));
    const session = new voice.AgentSession({ llm: model });
    const log = await attachConversationLog(session, undefined, { callId: `live-${name}`, sink: logger });
    await session.start({ agent: new WeatherAgent() });
    for (const text of ['What is the weather in Paris?', 'And in Atlantis?'])
      await withTimeout(session.run({ userInput: text }).wait(), 10_000);
    await session.close();
    await log.flush();
    const report = (events: voice.AgentEvent[]) =>
      voice.sessionReportToJSON(
        voice.createSessionReport({
          jobId: `AJ_${name}`,
          roomId: 'RM_import',
          room: 'room-import',
          options: session.sessionOptions,
          events,
          chatHistory: session.history.copy(),
          modelUsage: session.usage.modelUsage as NonNullable<Parameters<typeof voice.createSessionReport>[0]['modelUsage']>,
        }),
      );
    const dir = inject('tmpDir');
    const withEvents = path.join(dir, `report-${backend}-${name}-events.json`);
    const historyOnly = path.join(dir, `report-${backend}-${name}-history.json`);
    fs.writeFileSync(withEvents, JSON.stringify(report(session._recordedEvents)));
    const bare = report([]);
    delete bare['events'];
    fs.writeFileSync(historyOnly, JSON.stringify(bare));
    reports.set(name, { withEvents, historyOnly });
  }

  beforeAll(async () => {
    url = await freshDatabaseUrl(backend);
    logger = await openLogger(backend, { databaseUrl: url });
    await recordSession('fake', 'fake_call_0');
    await recordSession('empty', '');
  }, 60_000);
  afterAll(async () => {
    await logger?.close();
  });

  /** A config file that sets nothing: the built-in prices (this checkout's own agent.config.ts has others). */
  const noConfig = () => {
    const file = path.join(inject('tmpDir'), 'empty.config.mjs');
    fs.writeFileSync(file, 'export default {};\n');
    return file;
  };

  const tools = (callId: string) =>
    q(
      `SELECT tool_name, tool_arguments, content, tool_is_error FROM messages WHERE call_id = ? AND role = ? ORDER BY created_at, event_position`,
      [callId, 'tool'],
    );

  for (const [name, id] of [
    ['fake', 'fake_call_0'],
    ['empty', "''"],
  ] as const)
    it(`pairs each tool call of a report without events with its own output, though every call id is ${id}`, async () => {
      const r = await convlog(['import', reports.get(name)!.historyOnly, '--call-id', `history-${name}`, '--json', '--database-url', url]);
      expect(r.code).toBe(0);
      const rows = await tools(`history-${name}`);
      const paired = rows.map((t) => ({
        city: JSON.parse(String(t['tool_arguments'])).city,
        output: String(t['content']),
        failed: t['tool_is_error'] === true || Number(t['tool_is_error']) === 1,
      }));
      expect(paired).toEqual([
        { city: 'Paris', output: JSON.stringify('sunny in Paris'), failed: false },
        { city: 'Atlantis', output: expect.stringContaining('An internal error occurred'), failed: true },
      ]);
      // What the plugin recorded live says the same.
      expect((await tools(`live-${name}`)).map((t) => t['content'])).toEqual(rows.map((t) => t['content']));
    });

  it('imports the report’s usage totals priced: tokens and cost as the live recording had them', async () => {
    const expected = costOf(DEFAULT_PRICING, {
      kind: 'llm',
      provider: 'api.openai.com',
      model: 'gpt-4o-mini',
      tokensInput: TOTALS.input,
      tokensCachedInput: TOTALS.cached,
      tokensOutput: TOTALS.output,
    })!;
    expect(expected).toBeGreaterThan(0);
    const ds = await logger.dataSource();
    const live = (await getCallListRow(ds, 'live-fake'))!;
    expect(live.costUsd).toBeCloseTo(expected, 12);

    for (const [file, callId] of [
      [reports.get('fake')!.historyOnly, 'usage-history'],
      [reports.get('fake')!.withEvents, 'usage-events'],
    ] as const) {
      const r = await convlog(['import', file, '--call-id', callId, '--json', '--config', noConfig(), '--database-url', url]);
      expect(r.code).toBe(0);
      const row = (await getCallListRow(ds, callId))!;
      expect([callId, row.costUsd]).toEqual([callId, expect.closeTo(expected, 12)]);
      const [m] = await q(
        `SELECT SUM(llm_tokens_input) AS input, SUM(llm_tokens_cached) AS cached, SUM(llm_tokens_output) AS output, SUM(unpriced_usage_count) AS unpriced
         FROM conversation_metrics WHERE call_id = ?`,
        [callId],
      );
      expect([callId, Number(m!['input']), Number(m!['cached']), Number(m!['output']), Number(m!['unpriced'])]).toEqual([
        callId,
        TOTALS.input,
        TOTALS.cached,
        TOTALS.output,
        0,
      ]);
      const usage = await q(`SELECT data FROM events WHERE call_id = ? AND type = ?`, [callId, 'metrics_recorded']);
      expect(usage.map((u) => JSON.parse(String(u['data']))).map((d) => [d.kind, d.model, d.priceVersion])).toEqual([
        ['llm', 'gpt-4o-mini', DEFAULT_PRICING.version],
      ]);
    }
  });

  it('prices the usage with the config file’s table, as the agent would', async () => {
    const prices = { version: 'team-prices-1', llm: { 'gpt-4o-mini': { inputPerMTok: 1, cachedInputPerMTok: 0.5, outputPerMTok: 4 } } };
    const config = path.join(inject('tmpDir'), `pricing-${backend}.config.mjs`);
    fs.writeFileSync(config, `export default ${JSON.stringify({ pricing: prices })};\n`);
    const r = await convlog([
      'import',
      reports.get('fake')!.historyOnly,
      '--call-id',
      'usage-config',
      '--config',
      config,
      '--database-url',
      url,
    ]);
    expect(r.code).toBe(0);
    const expected = costOf(mergePricing(prices), {
      kind: 'llm',
      provider: 'api.openai.com',
      model: 'gpt-4o-mini',
      tokensInput: TOTALS.input,
      tokensCachedInput: TOTALS.cached,
      tokensOutput: TOTALS.output,
    })!;
    expect(expected).toBeCloseTo((TOTALS.input - TOTALS.cached + TOTALS.cached * 0.5 + TOTALS.output * 4) / 1e6, 12);
    expect((await getCallListRow(await logger.dataSource(), 'usage-config'))!.costUsd).toBeCloseTo(expected, 12);
    const [event] = await q(`SELECT data FROM events WHERE call_id = ? AND type = ?`, ['usage-config', 'metrics_recorded']);
    expect(JSON.parse(String(event!['data'])).priceVersion).toBe('team-prices-1');
  });
});

describeEachBackend('import of a SessionReport with its recording', (backend: Backend) => {
  it.skipIf(skipWithout('ffmpeg'))(
    'given a report whose audio_recording_path names a file beside it, when imported, then the call links that recording with its size and duration; a report whose file is gone links it with neither',
    async () => {
      // Given a report of a recorded session and its stereo ogg/opus beside it (1.5 s)
      const dir = fs.mkdtempSync(path.join(inject('tmpDir'), `report-rec-${backend}-`));
      fs.mkdirSync(path.join(dir, 'recordings'));
      execFileSync('ffmpeg', [
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440:duration=1.5',
        '-ac',
        '2',
        '-c:a',
        'libopus',
        path.join(dir, 'recordings', 'audio.ogg'),
      ]);
      const startedAt = Date.UTC(2026, 10, 20, 9, 0, 0);
      const report = {
        job_id: 'AJ_recorded',
        room: 'room-recorded',
        timestamp: startedAt + 60_000,
        audio_recording_path: 'recordings/audio.ogg',
        audio_recording_started_at: startedAt / 1000,
        chat_history: { items: [{ type: 'message', role: 'user', content: ['hello'], created_at: startedAt / 1000 + 1 }] },
      };
      fs.writeFileSync(path.join(dir, 'with-file.json'), JSON.stringify(report));
      fs.writeFileSync(path.join(dir, 'no-file.json'), JSON.stringify({ ...report, audio_recording_path: 'recordings/gone.ogg' }));
      const url = await freshDatabaseUrl(backend);
      // When each is imported
      for (const [file, callId] of [
        ['with-file.json', 'rec-with-file'],
        ['no-file.json', 'rec-no-file'],
      ] as const)
        expect((await convlog(['import', path.join(dir, file), '--call-id', callId, '--database-url', url])).code).toBe(0);
      // Then the call's recording is the file, its start as reported, its size and duration read from it
      const logger = await openLogger(backend, { databaseUrl: url });
      try {
        const ds = await logger.dataSource();
        const withFile = (await getCallDetail(ds, 'rec-with-file'))!.recording!;
        expect(withFile).toMatchObject({ path: path.join(dir, 'recordings', 'audio.ogg'), startedAt, channels: 2, format: 'ogg/opus' });
        expect(withFile.sizeBytes).toBe(fs.statSync(path.join(dir, 'recordings', 'audio.ogg')).size);
        expect(withFile.durationMs).toBeGreaterThan(1400);
        expect(withFile.durationMs).toBeLessThan(1600);
        const gone = (await getCallDetail(ds, 'rec-no-file'))!.recording!;
        expect(gone).toMatchObject({ path: path.join(dir, 'recordings', 'gone.ogg'), startedAt, sizeBytes: null, durationMs: null });
      } finally {
        await logger.close();
      }
    },
  );
});
