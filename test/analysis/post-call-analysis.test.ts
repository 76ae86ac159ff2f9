import { llm as agentsLlm, voice } from '@livekit/agents';
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
import { ANALYSIS_REQUEST } from '../../src/analysis/prompt.js';

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

/** An analysis LLM whose answer waits until the test opens its gate: a slow LLM the test controls. */
class GatedLLM extends agentsLlm.LLM {
  started = 0;
  private open: () => void = () => undefined;
  readonly gate = new Promise<void>((resolve) => (this.open = resolve));
  label(): string {
    return 'gated-llm';
  }
  release(): void {
    this.open();
  }
  chat({ chatCtx, toolCtx, connOptions }: Parameters<agentsLlm.LLM['chat']>[0]): agentsLlm.LLMStream {
    this.started++;
    return new GatedStream(this, this.gate, {
      chatCtx,
      toolCtx,
      connOptions: connOptions ?? { maxRetry: 0, retryIntervalMs: 0, timeoutMs: 60_000 },
    });
  }
}

class GatedStream extends agentsLlm.LLMStream {
  constructor(
    owner: GatedLLM,
    private readonly gate: Promise<void>,
    params: ConstructorParameters<typeof agentsLlm.LLMStream>[1],
  ) {
    super(owner, params);
  }

  protected async run(): Promise<void> {
    await this.gate;
    const content = analysisAnswer({ summary: 'Late answer.', verdict: 'pass', reason: 'ok' });
    this.queue.put({ id: 'gated', delta: { role: 'assistant', content } });
  }
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
    // handle.tag() and handle.outcome() are events of the call's stream: one per call of them.
    expect(types.filter((t) => t === 'call_tagged')).toHaveLength(3);
    expect(types.filter((t) => t === 'call_outcome_recorded')).toHaveLength(1);

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

  it('given an analysis LLM that has not answered yet, when the session closes, then the call is stored as ended at once and the analysis lands later', async () => {
    const gated = new GatedLLM();
    const log = await weatherCall(logger, 'call-analysis-pending', { llm: gated, criteria: CRITERIA, timeoutMs: 60_000 });
    // The session has closed and its call is stored as ended while the analysis LLM still holds its answer.
    await expect.poll(() => gated.started).toBe(1);
    await logger.flush();
    const [call] = await rows(ds, `SELECT status FROM calls WHERE id = 'call-analysis-pending'`);
    expect(call!['status']).toBe('completed');
    expect(await rows(ds, `SELECT call_id FROM call_analyses WHERE call_id = 'call-analysis-pending'`)).toEqual([]);
    gated.release();
    expect(await withTimeout(log.analysis(), 15_000)).toMatchObject({ status: 'completed', verdict: 'pass', summary: 'Late answer.' });
  }, 40_000);

  it('given answers that are not JSON, then each is retried and analysis_failed keeps the last one raw; a verdict outside pass/fail/unclear is stored as none, the raw answer kept', async () => {
    const prose = analysisLLM(['The call went fine, I think.', 'Verdict: pass.']);
    const log = await weatherCall(logger, 'call-prose', { llm: prose, criteria: CRITERIA, retries: 1, retryDelayMs: 1 });
    expect(await withTimeout(log.analysis(), 15_000)).toMatchObject({
      status: 'failed',
      errorType: 'invalid_output',
      attempts: 2,
      rawOutput: 'Verdict: pass.',
    });
    const [failed] = await rows(ds, `SELECT status, error_type, raw_output FROM call_analyses WHERE call_id = 'call-prose'`);
    expect(failed).toEqual({ status: 'failed', error_type: 'invalid_output', raw_output: 'Verdict: pass.' });

    const maybe = analysisAnswer({ summary: 'Weather call.', verdict: 'maybe', reason: 'hard to say' });
    const log2 = await weatherCall(logger, 'call-maybe', { llm: analysisLLM([maybe]), criteria: CRITERIA });
    expect(await withTimeout(log2.analysis(), 15_000)).toMatchObject({
      status: 'completed',
      verdict: null,
      summary: 'Weather call.',
      rawOutput: maybe,
    });
  }, 40_000);

  it('given the library\u2019s FakeLLM answering the analysis request, when a real call closes, then the automatic analysis stores the summary, verdict and fields it returned', async () => {
    const fake = new voice.testing.FakeLLM([
      {
        input: ANALYSIS_REQUEST,
        content: analysisAnswer({
          summary: 'Paris weather asked and given.',
          verdict: 'pass',
          reason: 'sunny in Paris',
          fields: { city: 'Paris', satisfied: true },
        }),
      },
    ]);
    const log = await weatherCall(logger, 'call-fake-auto', { llm: fake, criteria: CRITERIA, schema, retries: 0 });
    const result = await withTimeout(log.analysis(), 15_000);
    expect(result).toMatchObject({ status: 'completed', verdict: 'pass', fieldsValid: true, fields: { city: 'Paris', satisfied: true } });
    const [row] = await rows(
      ds,
      `SELECT status, verdict, verdict_reason, summary, fields FROM call_analyses WHERE call_id = 'call-fake-auto'`,
    );
    expect(row).toMatchObject({
      status: 'completed',
      verdict: 'pass',
      verdict_reason: 'sunny in Paris',
      summary: 'Paris weather asked and given.',
    });
    expect(JSON.parse(String(row!['fields']))).toEqual({ city: 'Paris', satisfied: true });
  }, 40_000);

  it('given a FakeLLM that knows no input, then its no-answer is stored as failed, and an analysis by one that answers the request replaces it; both events versioned', async () => {
    const log = await weatherCall(logger, 'call-fake', { llm: new voice.testing.FakeLLM([]), criteria: CRITERIA, retries: 0 });
    expect(await withTimeout(log.analysis(), 15_000)).toMatchObject({ status: 'failed', errorType: 'empty_output', attempts: 1 });
    const fake = new voice.testing.FakeLLM([
      { input: ANALYSIS_REQUEST, content: analysisAnswer({ summary: 'Paris weather asked and given.', verdict: 'pass', reason: 'sunny' }) },
    ]);
    const result = await logger.analyzeCall('call-fake', { llm: fake, criteria: CRITERIA });
    expect(result).toMatchObject({ status: 'completed', verdict: 'pass' });
    const [row] = await rows(ds, `SELECT status, verdict, summary FROM call_analyses WHERE call_id = 'call-fake'`);
    expect(row).toEqual({ status: 'completed', verdict: 'pass', summary: 'Paris weather asked and given.' });
    const events = await rows(
      ds,
      `SELECT type, schema_version FROM events WHERE call_id = 'call-fake' AND type LIKE 'analysis_%' ORDER BY position`,
    );
    expect(events.map((e) => [e['type'], Number(e['schema_version'])])).toEqual([
      ['analysis_failed', 1],
      ['analysis_completed', 1],
    ]);
  }, 40_000);

  it('given an analysis LLM that fails every time, then analysis_failed lists each attempt with its error and the wait before the next: retryDelayMs, twice it, four times it', async () => {
    const log = await weatherCall(logger, 'call-backoff', { llm: new FailingLLM(), criteria: CRITERIA, retries: 3, retryDelayMs: 5 });
    const result = await withTimeout(log.analysis(), 15_000);
    const expected = [5, 10, 20, null].map((retryDelayMs) => ({
      errorType: 'llm_error',
      error: expect.stringContaining('500'),
      retryDelayMs,
    }));
    expect(result).toMatchObject({ status: 'failed', attempts: 4, failedAttempts: expected });
    const [event] = await rows(ds, `SELECT data FROM events WHERE call_id = 'call-backoff' AND type = 'analysis_failed'`);
    const data = typeof event!['data'] === 'string' ? JSON.parse(event!['data']) : event!['data'];
    expect(data.failedAttempts).toEqual(expected);
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
