import { voice } from '@livekit/agents';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { costOf, DEFAULT_PRICING } from '../../src/config/pricing.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { attachConversationLog } from '../../src/plugin/attach.js';
import type { AnalysisOptions } from '../../src/analysis/options.js';
import { convlogInProcess } from '../support/cli-in-process.js';
import { analysisAnswer, analysisLLM } from '../support/livekit/analysis-llm.js';
import { FailingLLM } from '../support/livekit/failing-llm.js';
import { WeatherAgent, weatherLLM, withTimeout } from '../support/livekit/session.js';
import { describeEachBackend, freshDatabaseUrl, openLogger } from '../support/stores.js';

const rows = (ds: DataSource, sql: string, params: unknown[] = []) => ds.query(sql, params) as Promise<Array<Record<string, unknown>>>;

const CRITERIA = 'The caller learned the weather in the city they asked about.';
const schema = z.object({ city: z.string(), satisfied: z.boolean() });

/** A real text call of the weather agent, recorded with `analysis`; the handle is given to `during`. */
async function weatherCall(
  logger: ConversationLogger,
  callId: string,
  analysis: AnalysisOptions | undefined,
  during?: (log: Awaited<ReturnType<typeof attachConversationLog>>) => void,
) {
  const session = new voice.AgentSession({ llm: weatherLLM() });
  const log = await attachConversationLog(session, undefined, { callId, sink: logger, ...(analysis ? { analysis } : {}) });
  await session.start({ agent: new WeatherAgent() });
  await withTimeout(session.run({ userInput: 'Hello there' }).wait(), 10_000);
  await withTimeout(session.run({ userInput: 'What is the weather in Paris?' }).wait(), 10_000);
  during?.(log);
  await session.close();
  return log;
}

describeEachBackend('post-call analysis of a real AgentSession call', (backend) => {
  let logger: ConversationLogger;
  let url: string;
  let ds: DataSource;
  beforeAll(async () => {
    url = await freshDatabaseUrl(backend);
    logger = await openLogger(backend, { databaseUrl: url });
    ds = await logger.dataSource();
  });
  afterAll(async () => {
    await logger.close();
  });

  it('given an analysis LLM answering JSON, when the call closes, then its summary, verdict and fields are stored, priced, and shown by convlog show --json', async () => {
    const llm = analysisLLM([
      analysisAnswer({
        summary: 'The caller asked for the weather in Paris and was told it is sunny.',
        verdict: 'pass',
        reason: 'The agent gave the weather in Paris.',
        fields: { city: 'Paris', satisfied: true },
      }),
    ]);
    const log = await weatherCall(logger, 'call-analysed', { llm, criteria: CRITERIA, schema }, (h) => {
      h.tag('weather');
      h.tag('paris');
      h.tag('weather');
      h.outcome('success', 'answered');
    });
    const result = await withTimeout(log.analysis(), 15_000);
    expect(result).toMatchObject({ status: 'completed', verdict: 'pass', fieldsValid: true, fields: { city: 'Paris', satisfied: true } });
    expect(llm.requests).toBe(1);

    const [row] = await rows(ds, `SELECT * FROM call_analyses WHERE call_id = 'call-analysed'`);
    const cost = costOf(DEFAULT_PRICING, {
      kind: 'llm',
      provider: 'api.openai.com',
      model: 'gpt-4o-mini',
      tokensInput: 1200,
      tokensOutput: 80,
    });
    expect(row).toMatchObject({
      status: 'completed',
      verdict: 'pass',
      model: 'gpt-4o-mini',
      provider: 'api.openai.com',
      price_version: DEFAULT_PRICING.version,
    });
    expect([Number(row!['tokens_input']), Number(row!['tokens_output']), Number(row!['attempts'])]).toEqual([1200, 80, 1]);
    expect(Number(row!['cost_usd'])).toBeCloseTo(cost!, 12);
    // The analysis event comes after the call's end in its stream.
    const types = (await rows(ds, `SELECT type FROM events WHERE call_id = 'call-analysed' ORDER BY stream_position`)).map(
      (r) => r['type'],
    );
    expect(types.indexOf('analysis_completed')).toBeGreaterThan(types.indexOf('call_ended'));

    const shown = await convlogInProcess(['show', 'call-analysed', '--json', '--database-url', url]);
    expect(shown.code).toBe(0);
    const detail = JSON.parse(shown.stdout);
    expect(detail.analysis).toMatchObject({
      status: 'completed',
      summary: 'The caller asked for the weather in Paris and was told it is sunny.',
      verdict: 'pass',
      verdictReason: 'The agent gave the weather in Paris.',
      fields: { city: 'Paris', satisfied: true },
      fieldsValid: true,
      model: 'gpt-4o-mini',
      tokensInput: 1200,
      tokensOutput: 80,
    });
    expect(detail.tags).toEqual(['paris', 'weather']);
    expect(detail.outcome).toEqual({ outcome: 'success', reason: 'answered' });

    const text = await convlogInProcess(['show', 'call-analysed', '--database-url', url], { COLUMNS: '120' });
    expect(text.stdout).toContain('Verdict pass: The agent gave the weather in Paris.');
    expect(text.stdout).toContain('The caller asked for the weather in Paris');
    expect(text.stdout).toContain('city: "Paris"');
    expect(text.stdout).toContain('Tags paris, weather');
    expect(text.stdout).toContain('Outcome success (answered)');
  }, 40_000);

  it('given an analysis LLM that fails every time, when the call closes, then analysis_failed is stored after the retries and the call is intact', async () => {
    const failing = new FailingLLM();
    const log = await weatherCall(logger, 'call-llm-down', { llm: failing, criteria: CRITERIA, retries: 2, retryDelayMs: 1 });
    const result = await withTimeout(log.analysis(), 15_000);
    expect(result).toMatchObject({ status: 'failed', errorType: 'llm_error', attempts: 3 });
    const [call] = await rows(ds, `SELECT status FROM calls WHERE id = 'call-llm-down'`);
    expect(call!['status']).toBe('completed');
    const messages = await rows(ds, `SELECT role FROM messages WHERE call_id = 'call-llm-down'`);
    expect(messages.length).toBeGreaterThanOrEqual(4);
    const [row] = await rows(ds, `SELECT status, error_type, attempts, verdict FROM call_analyses WHERE call_id = 'call-llm-down'`);
    expect(row).toMatchObject({ status: 'failed', error_type: 'llm_error', verdict: null });
    expect(Number(row!['attempts'])).toBe(3);
  }, 40_000);

  it('given an analysis LLM slower than its time limit, then each request is cut at the limit and analysis_failed says timeout', async () => {
    const slow = analysisLLM([
      { content: analysisAnswer({ verdict: 'pass' }), ttftMs: 5_000 },
      { content: analysisAnswer({ verdict: 'pass' }), ttftMs: 5_000 },
    ]);
    const log = await weatherCall(logger, 'call-llm-slow', { llm: slow, criteria: CRITERIA, timeoutMs: 100, retries: 1, retryDelayMs: 1 });
    const result = await withTimeout(log.analysis(), 15_000);
    expect(result).toMatchObject({ status: 'failed', errorType: 'timeout', attempts: 2 });
    expect(slow.requests).toBe(2);
    const [call] = await rows(ds, `SELECT status FROM calls WHERE id = 'call-llm-slow'`);
    expect(call!['status']).toBe('completed');
  }, 40_000);

  it('given an answer whose fields break the schema, then the analysis is stored with the fields as given, marked invalid, and the raw answer kept', async () => {
    const answer = analysisAnswer({ summary: 'Weather call.', verdict: 'pass', reason: 'ok', fields: { city: 42 } });
    const jsonSchema = {
      type: 'object',
      properties: { city: { type: 'string' }, satisfied: { type: 'boolean' } },
      required: ['city', 'satisfied'],
    };
    const log = await weatherCall(logger, 'call-invalid', { llm: analysisLLM([answer]), criteria: CRITERIA, schema: jsonSchema });
    const result = await withTimeout(log.analysis(), 15_000);
    expect(result).toMatchObject({ status: 'completed', verdict: 'pass', fieldsValid: false, fields: { city: 42 }, rawOutput: answer });
    expect(result?.status === 'completed' && result.fieldsErrors).toEqual(expect.arrayContaining([expect.stringContaining('city')]));
    const zodLog = await weatherCall(logger, 'call-invalid-zod', { llm: analysisLLM([answer]), criteria: CRITERIA, schema });
    expect(await withTimeout(zodLog.analysis(), 15_000)).toMatchObject({ fieldsValid: false, fields: { city: 42 } });
    const [row] = await rows(ds, `SELECT fields, fields_valid, raw_output FROM call_analyses WHERE call_id = 'call-invalid'`);
    expect(JSON.parse(String(row!['fields']))).toEqual({ city: 42 });
    expect([false, 0]).toContain(row!['fields_valid']);
    expect(row!['raw_output']).toBe(answer);
  }, 40_000);
});
