import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { startDashboardServer } from '../../src/server/index.js';
import { getJson } from '../server/support.js';
import { skipWithout } from '../support/requirements.js';
import { launchChromium } from '../support/browser.js';
import { convlogInProcess } from '../support/cli-in-process.js';
import { analysisAnswer, analysisLLM } from '../support/livekit/analysis-llm.js';
import { ScriptedLLM } from '../support/livekit/scripted-llm.js';
import type { llm as agentsLlm } from '@livekit/agents';
import { describeEachBackend, freshDatabaseUrl, openLogger } from '../support/stores.js';

const T0 = Date.now() - 3_600_000;

/**
 * An agent.config.mjs whose analysis LLM (an `llm.LLM` of the same @livekit/agents the CLI
 * loads) answers `fail` for calls that mention a refund, `pass` otherwise, and numbers its
 * answers in the summary (so a redone analysis is told apart).
 */
function writeConfig(dir: string): string {
  const agents = pathToFileURL(fs.realpathSync(path.resolve('node_modules/@livekit/agents/dist/index.js'))).href;
  const file = path.join(dir, 'agent.config.mjs');
  fs.writeFileSync(
    file,
    `import { llm } from '${agents}';
class AnswerStream extends llm.LLMStream {
  async run() {
    const text = this.chatCtx.items.map((i) => i.textContent ?? '').join('\\n');
    globalThis.__convlogAnswers = (globalThis.__convlogAnswers ?? 0) + 1;
    const refund = /refund/.test(text.split('Transcript:')[1] ?? '');
    this.queue.put({ id: 'a', delta: { role: 'assistant', content: JSON.stringify({
      summary: 'answer ' + globalThis.__convlogAnswers,
      verdict: refund ? 'fail' : 'pass',
      reason: refund ? 'no refund was given' : 'answered',
      fields: { refund },
    }) } });
    this.queue.put({ id: 'a', usage: { promptTokens: 1000, promptCachedTokens: 0, completionTokens: 50, totalTokens: 1050 } });
  }
}
class AnswerLLM extends llm.LLM {
  label() { return 'answer-llm'; }
  get model() { return 'gpt-4o-mini'; }
  get provider() { return 'api.openai.com'; }
  chat({ chatCtx, toolCtx, connOptions }) { return new AnswerStream(this, { chatCtx, toolCtx, connOptions }); }
}
export default {
  analysis: {
    llm: new AnswerLLM(),
    criteria: 'The caller got what they called for.',
    schema: { type: 'object', properties: { refund: { type: 'boolean' } }, required: ['refund'] },
  },
};
`,
  );
  return file;
}

const rows = (ds: DataSource, sql: string) => ds.query(sql) as Promise<Array<Record<string, unknown>>>;

describeEachBackend('convlog analyze, calls --verdict/--tag, stats, over stored calls', (backend) => {
  let logger: ConversationLogger;
  let url: string;
  let config: string;
  let dir: string;
  const cli = (args: string[]) => convlogInProcess([...args, '--database-url', url, '--config', config]);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convlog-analyze-'));
    config = writeConfig(dir);
    url = await freshDatabaseUrl(backend);
    logger = await openLogger(backend, { databaseUrl: url });
    // Given two ended calls (one about a refund, tagged and marked failed by the agent) and one active call.
    const calls = [
      { id: 'call-refund', user: 'I want a refund for order 42', agent: 'I cannot do refunds.', tags: ['refund', 'billing'] },
      { id: 'call-hours', user: 'When are you open?', agent: 'From 9 to 5.', tags: ['billing'] },
      { id: 'call-live', user: 'Hello?', agent: 'Hi!', tags: [] },
    ];
    for (const [i, c] of calls.entries()) {
      await logger.startCall({ callId: c.id, startedAt: T0 + i * 60_000 });
      const conversationId = await logger.startConversation({ callId: c.id, startedAt: T0 + i * 60_000 });
      await logger.logUserMessage({ conversationId, content: c.user, createdAt: T0 + i * 60_000 + 1000 });
      await logger.logAssistantMessage({ conversationId, content: c.agent, processingTimeMs: 500, createdAt: T0 + i * 60_000 + 2000 });
      for (const t of c.tags) await logger.tagCall(c.id, t);
      if (c.id !== 'call-live') await logger.endCall(c.id, { endedAt: T0 + i * 60_000 + 3000 });
    }
    await logger.setCallOutcome('call-refund', 'fail', 'could not refund');
    await logger.setCallOutcome('call-hours', 'success', null);
  });
  afterAll(async () => {
    await logger.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('given ended calls without analysis, when analyze runs, then each is analysed once with the config file LLM; the active call is left alone', async () => {
    const r = await cli(['analyze', '--since', '7d', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ analysed: 2, completed: 2, failed: 0 });
    expect(out.results.map((x: { callId: string; verdict: string }) => [x.callId, x.verdict])).toEqual([
      ['call-refund', 'fail'],
      ['call-hours', 'pass'],
    ]);
    const again = await cli(['analyze', '--since', '7d']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('no call to analyse');

    const shown = JSON.parse((await cli(['show', 'call-refund', '--json'])).stdout);
    expect(shown.analysis).toMatchObject({
      verdict: 'fail',
      verdictReason: 'no refund was given',
      fields: { refund: true },
      fieldsValid: true,
    });
    expect(shown.analysis.costUsd).toBeGreaterThan(0);
    expect(shown.tags).toEqual(['billing', 'refund']);
    expect(shown.outcome).toEqual({ outcome: 'fail', reason: 'could not refund' });
  });

  it('given an analysed call, when analyze --call --redo runs, then its analysis is replaced by a new one', async () => {
    const before = JSON.parse((await cli(['show', 'call-hours', '--json'])).stdout).analysis.summary;
    const r = await cli(['analyze', '--call', 'call-ho', '--redo']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^call-hours {2}pass {2}answer \d+$/m);
    expect(r.stdout).toContain('1 call analysed: 1 completed, 0 failed');
    const after = JSON.parse((await cli(['show', 'call-hours', '--json'])).stdout).analysis.summary;
    expect(after).not.toBe(before);
    const ds = await logger.dataSource();
    const events = await rows(ds, `SELECT type FROM events WHERE call_id = 'call-hours' AND type LIKE 'analysis_%'`);
    expect(events).toHaveLength(2);
  });

  it('given verdicts and tags, when calls are filtered by --verdict and --tag, then only those calls are listed', async () => {
    const fail = JSON.parse((await cli(['calls', '--since', '7d', '--verdict', 'fail', '--json'])).stdout);
    expect(fail.rows.map((c: { id: string }) => c.id)).toEqual(['call-refund']);
    expect(fail.rows[0]).toMatchObject({ verdict: 'fail', outcome: 'fail', tags: ['billing', 'refund'] });
    const billing = JSON.parse((await cli(['calls', '--since', '7d', '--tag', 'billing', '--json'])).stdout);
    expect(billing.rows.map((c: { id: string }) => c.id).sort()).toEqual(['call-hours', 'call-refund']);
    const text = await cli(['calls', '--since', '7d', '--tag', 'refund']);
    expect(text.stdout).toMatch(/VERDICT/);
    expect(text.stdout).toMatch(/call-refund .*fail/);
    const bad = await cli(['calls', '--verdict', 'maybe']);
    expect(bad.code).toBe(2);
  });

  it('given verdicts and tags, when stats runs, then it gives the success rate by verdict and by tag', async () => {
    const s = JSON.parse((await cli(['stats', '--hours', '48', '--json'])).stdout);
    expect(s.analysis.overall).toMatchObject({
      calls: 3,
      pass: 1,
      fail: 1,
      unclear: 0,
      notAnalysed: 1,
      successRate: 50,
      outcomeSuccess: 1,
      outcomeFail: 1,
    });
    const byTag = Object.fromEntries(s.analysis.byTag.map((t: { tag: string; successRate: number }) => [t.tag, t.successRate]));
    expect(byTag).toEqual({ billing: 50, refund: 0 });
    const text = await cli(['stats', '--hours', '48']);
    expect(text.stdout).toContain('Verdicts   2 rated: 1 pass, 1 fail, 0 unclear  success 50.0%');
    expect(text.stdout).toMatch(/^refund +1 +0 +1 +0 +0\.0%/m);
  });

  it('given verdicts and tags, when the dashboard API is asked, then /api/calls filters by them and /api/overview rates them', async () => {
    const server = await startDashboardServer({ logger, port: 0, pollMs: 50 });
    try {
      const base = server.url.replace(/\/$/, '');
      const fail = await getJson(`${base}/api/calls?verdict=fail`);
      expect(fail.rows.map((c: { id: string }) => c.id)).toEqual(['call-refund']);
      const refund = await getJson(`${base}/api/calls?tag=refund`);
      expect(refund.rows.map((c: { id: string }) => c.id)).toEqual(['call-refund']);
      const o = await getJson(`${base}/api/overview?range=24h`);
      expect(o.analysis.overall).toMatchObject({ pass: 1, fail: 1, successRate: 50 });
      expect(o.analysis.byTag.map((t: { tag: string }) => t.tag)).toEqual(['billing', 'refund']);
    } finally {
      await server.close();
    }
  });

  it.skipIf(skipWithout('chromium'))(
    'given verdicts and tags, when the dashboard pages open, then the call shows its analysis, the calls page filters by verdict and the overview rates tags',
    async () => {
      const server = await startDashboardServer({ logger, port: 0, pollMs: 50 });
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(`${server.url}call?id=call-refund`);
        const analysis = page.getByTestId('analysis');
        await analysis.waitFor();
        const text = (await analysis.textContent()) ?? '';
        expect(text).toContain('no refund was given');
        expect(text).toContain('billing, refund');
        expect(text).toContain('could not refund');
        await page.goto(`${server.url}calls?verdict=fail`);
        const table = page.getByTestId('calls-table');
        await table.waitFor();
        await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
        expect(await page.locator('select[name=verdict]').inputValue()).toBe('fail');
        await page.goto(`${server.url}?range=24h`);
        const verdicts = page.getByTestId('verdicts');
        await verdicts.waitFor();
        await expect.poll(async () => (await verdicts.textContent()) ?? '').toContain('tag refund');
      } finally {
        await browser.close();
        await server.close();
      }
    },
    60_000,
  );

  it('given verdicts and tags, when exported, then each CSV message row has its call\u2019s verdict and tags, and the JSONL log the analysis and tag events', async () => {
    const csv = await cli(['export', '--format', 'csv']);
    expect(csv.code).toBe(0);
    // No cell here holds a comma, a quote or a line break: plain splits read the file.
    const [header, ...lines] = csv.stdout
      .trimEnd()
      .split('\r\n')
      .map((l) => l.split(','));
    const col = (name: string) => header!.indexOf(name);
    expect(header!.slice(-2)).toEqual(['call_verdict', 'call_tags']);
    const byCall = lines.map((l) => [l[col('call_id')], l[col('role')], l[col('call_verdict')], l[col('call_tags')]]);
    expect(byCall).toEqual([
      ['call-refund', 'user', 'fail', 'billing;refund'],
      ['call-refund', 'assistant', 'fail', 'billing;refund'],
      ['call-hours', 'user', 'pass', 'billing'],
      ['call-hours', 'assistant', 'pass', 'billing'],
      ['call-live', 'user', '', ''],
      ['call-live', 'assistant', '', ''],
    ]);

    const jsonl = await cli(['export', '--format', 'jsonl']);
    const events = jsonl.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; callId: string; data: Record<string, unknown> });
    const refund = events.filter((e) => e.callId === 'call-refund');
    expect(refund.filter((e) => e.type === 'call_tagged').map((e) => e.data['tag'])).toEqual(['refund', 'billing']);
    expect(refund.find((e) => e.type === 'analysis_completed')?.data).toMatchObject({ verdict: 'fail', fields: { refund: true } });
    expect(refund.find((e) => e.type === 'call_outcome_recorded')?.data).toEqual({ outcome: 'fail', reason: 'could not refund' });
  });

  it('given analyses, tags and outcomes, when the projections are rebuilt, then call_analyses, call_tags and calls are the same rows', async () => {
    const ds = await logger.dataSource();
    const dump = async () => ({
      analyses: await rows(ds, 'SELECT * FROM call_analyses ORDER BY call_id'),
      tags: await rows(ds, 'SELECT * FROM call_tags ORDER BY call_id, tag'),
      calls: await rows(ds, 'SELECT id, outcome, outcome_reason FROM calls ORDER BY id'),
    });
    const before = await dump();
    expect(before.analyses).toHaveLength(2);
    expect(before.tags).toHaveLength(3);
    await logger.rebuildProjections();
    expect(await dump()).toEqual(before);
  });

  it('given a call the retention removes, then its analysis and tags go with it', async () => {
    const result = await logger.cleanupOldData({ retentionDays: 0 });
    expect(result).toMatchObject({ calls: 3, callAnalyses: 2, callTags: 3 });
    const ds = await logger.dataSource();
    expect(await rows(ds, 'SELECT call_id FROM call_analyses')).toEqual([]);
  });
});

describeEachBackend('ConversationLogger with analysis options', (backend) => {
  it('given a logger opened with an analysis, when a call ends, then it is analysed off the endCall path; analyzeCall refuses an active call', async () => {
    const llm = analysisLLM([analysisAnswer({ summary: 'Short call.', verdict: 'unclear', reason: 'too short' })]);
    const logger = await openLogger(backend, { analysis: { llm, criteria: 'The caller was helped.' } });
    try {
      const callId = await logger.startCall({});
      const conversationId = await logger.startConversation({ callId });
      await logger.logUserMessage({ conversationId, content: 'Hello?' });
      await expect(logger.analyzeCall(callId)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'callId' });
      await logger.endCall(callId);
      await logger.flushAnalyses();
      const ds = await logger.dataSource();
      const [row] = await rows(ds, `SELECT status, verdict, summary FROM call_analyses WHERE call_id = '${callId}'`);
      expect(row).toEqual({ status: 'completed', verdict: 'unclear', summary: 'Short call.' });
      await expect(logger.tagCall(callId, '')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'tag' });
      await expect(logger.setCallOutcome(callId, 'maybe' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'outcome' });
      await expect(logger.tagCall('no-such-call', 'x')).rejects.toMatchObject({ code: 'UNKNOWN_CALL' });
      await expect(logger.analyzeCall(callId, { llm, schema: { type: 'nope' } })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        field: 'analysis.schema',
      });
      await expect(logger.analyzeCall(callId, { llm: {} as never })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        field: 'analysis.llm',
      });
    } finally {
      await logger.close();
    }
  });
});

/** A scripted LLM that keeps the text of every request it got. */
class CapturingLLM extends ScriptedLLM {
  readonly prompts: string[] = [];
  override chat(params: Parameters<agentsLlm.LLM['chat']>[0]): agentsLlm.LLMStream {
    this.prompts.push(params.chatCtx.items.map((i) => (i.type === 'message' ? (i.textContent ?? '') : '')).join('\n'));
    return super.chat(params);
  }
}

describeEachBackend('the transcript the analysis LLM reads', (backend) => {
  it('given redaction, when a call is analysed, then the LLM gets the stored, redacted transcript and the criteria, never the raw number', async () => {
    const llm = new CapturingLLM([{ content: analysisAnswer({ summary: 'Callback asked.', verdict: 'pass', reason: 'ok' }) }]);
    const logger = await openLogger(backend, { redaction: { redact: true }, analysis: { llm, criteria: 'The caller got a callback.' } });
    try {
      const callId = await logger.startCall({});
      const conversationId = await logger.startConversation({ callId });
      await logger.logUserMessage({ conversationId, content: 'Call me back at +1 415 555 0100 please' });
      await logger.logAssistantMessage({ conversationId, content: 'We will call you back.', processingTimeMs: 400 });
      await logger.endCall(callId);
      await logger.flushAnalyses();
      expect(llm.prompts).toHaveLength(1);
      const prompt = llm.prompts[0]!;
      expect(prompt).toContain('The caller got a callback.');
      expect(prompt).toMatch(/\[00:0\d\] user: Call me back at \[PHONE\] please/);
      expect(prompt).toMatch(/\[00:0\d\] agent: We will call you back\./);
      expect(prompt).not.toContain('555');
    } finally {
      await logger.close();
    }
  });
});
