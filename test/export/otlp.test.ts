import { voice } from '@livekit/agents';
import Ajv from 'ajv';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLP_ATTRIBUTE_TYPES, otlpRequests, type OtlpAttributeKey } from '../../src/export/otlp.js';
import { OtlpExportError, retryAfterMs, sendOtlp } from '../../src/export/otlp-http.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { attachConversationLog } from '../../src/plugin/attach.js';
import { convlogInProcess } from '../support/cli-in-process.js';
import { WeatherAgent, weatherLLM, withTimeout } from '../support/livekit/session.js';
import { ScriptedLLM } from '../support/livekit/scripted-llm.js';
import { decodeTraces, parseJsonTraces } from '../support/otlp-proto/load.js';
import { startReceiver } from '../support/otlp-receiver.js';
import { describeEachBackend, freshDatabaseUrl, openLogger, type Backend } from '../support/stores.js';

const convlog = convlogInProcess;

/** A real AgentSession call, recorded by the plugin. */
async function recordCall(
  logger: ConversationLogger,
  callId: string,
  model: ScriptedLLM | ReturnType<typeof weatherLLM>,
  inputs: string[],
) {
  const session = new voice.AgentSession({ llm: model });
  const log = await attachConversationLog(session, undefined, { callId, room: `room-${callId}`, sink: logger });
  await session.start({ agent: new WeatherAgent() });
  for (const text of inputs) await withTimeout(session.run({ userInput: text }).wait(), 10_000);
  await session.close();
  await log.flush();
}

/** A priced call: four user turns, six LLM requests, two tool rounds (Atlantis fails). */
const pricedLLM = () =>
  new ScriptedLLM([
    { content: 'Hi! How can I help you today?', usage: { promptTokens: 120, promptCachedTokens: 40, completionTokens: 12 } },
    {
      toolCalls: [{ name: 'get_weather', args: { city: 'Paris' }, callId: 'call_paris' }],
      usage: { promptTokens: 150, completionTokens: 8 },
    },
    { content: 'It is sunny in Paris.', usage: { promptTokens: 180, promptCachedTokens: 100, completionTokens: 9 } },
    {
      toolCalls: [{ name: 'get_weather', args: { city: 'Atlantis' }, callId: 'call_atlantis' }],
      usage: { promptTokens: 200, completionTokens: 7 },
    },
    { content: 'I could not find Atlantis.', usage: { promptTokens: 220, promptCachedTokens: 150, completionTokens: 10 } },
    { content: 'Goodbye!', usage: { promptTokens: 240, promptCachedTokens: 200, completionTokens: 5 } },
  ]);
const PRICED_INPUTS = ['Hello there', 'What is the weather in Paris?', 'And in Atlantis?', 'Thanks, bye'];

type Value = Record<string, unknown>;
interface Attr {
  key: string;
  value: Value;
}
interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: Attr[];
  status?: { code?: string; message?: string };
}
interface Decoded {
  resourceSpans: { resource: { attributes: Attr[] }; scopeSpans: { spans: Span[] }[] }[];
}

const spansOf = (d: Decoded): Span[] => d.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
const value = (s: Span, key: string): unknown => {
  const v = s.attributes?.find((a) => a.key === key)?.value;
  if (!v) return undefined;
  const inner = Object.values(v)[0];
  return typeof inner === 'string' && 'intValue' in v ? Number(inner) : inner;
};
const byStart = (a: Span, b: Span) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1);
const traceOf = (spans: Span[], callId: string) => {
  const root = spans.find((s) => s.name === 'call' && value(s, 'livekit.call.id') === callId)!;
  return spans.filter((s) => s.traceId === root.traceId);
};
const PROTO_CASE = { string: 'stringValue', int: 'intValue', double: 'doubleValue', bool: 'boolValue', 'string[]': 'arrayValue' };

describeEachBackend('OTLP export of recorded calls', (backend: Backend) => {
  let logger: ConversationLogger;
  let url: string;
  let pricedRequests: number;

  beforeAll(async () => {
    url = await freshDatabaseUrl(backend);
    logger = await openLogger(backend, { databaseUrl: url });
    const priced = pricedLLM();
    await recordCall(logger, 'call-priced', priced, PRICED_INPUTS);
    pricedRequests = priced.requests;
    await recordCall(logger, 'call-free', weatherLLM(), ['Hello there', 'What is the weather in Paris?', 'Thanks, bye']);
  }, 60_000);
  afterAll(async () => {
    await logger?.close();
  });

  describe('sent as protobuf to a receiver that fails the first two requests with 503', () => {
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let result: Awaited<ReturnType<typeof convlog>>;
    let spans: Span[];

    beforeAll(async () => {
      receiver = await startReceiver((n) => (n < 2 ? { status: 503, headers: { 'retry-after': '0' } } : { status: 200 }));
      result = await convlog([
        'export',
        '--format',
        'otlp',
        '--endpoint',
        receiver.url,
        '--batch-size',
        '1',
        '--json',
        '--database-url',
        url,
      ]);
      spans = receiver.acknowledged.flatMap((r) => spansOf(decodeTraces(r.body) as unknown as Decoded));
    });
    afterAll(() => receiver.close());

    it('retries until acknowledged and delivers every call exactly once, decodable by the official protos', () => {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        format: 'otlp',
        encoding: 'protobuf',
        records: 2,
        unit: 'calls',
        retries: 2,
        requests: 2,
      });
      expect(receiver.received.map((r) => r.status)).toEqual([503, 503, 200, 200]);
      for (const r of receiver.received) {
        expect(r).toMatchObject({ method: 'POST', path: '/v1/traces', contentType: 'application/x-protobuf' });
      }
      // The retried request is the same bytes; once acknowledged, no call is sent again.
      expect(receiver.received[1]!.body.equals(receiver.received[0]!.body)).toBe(true);
      expect(receiver.received[2]!.body.equals(receiver.received[0]!.body)).toBe(true);
      const roots = spans.filter((s) => s.name === 'call');
      expect(roots.map((s) => value(s, 'livekit.call.id')).sort()).toEqual(['call-free', 'call-priced']);
      expect(new Set(roots.map((s) => s.traceId)).size).toBe(2);
      expect(JSON.parse(result.stdout).spans).toBe(spans.length);
    });

    it('gives each LLM request its own CLIENT chat span, with provider, model, usage and cache-read tokens', () => {
      const chats = traceOf(spans, 'call-priced')
        .filter((s) => value(s, 'gen_ai.operation.name') === 'chat')
        .sort(byStart);
      expect(chats).toHaveLength(pricedRequests);
      expect(chats).toHaveLength(6);
      for (const c of chats) {
        expect(c.kind).toBe('SPAN_KIND_CLIENT');
        expect(c.name).toBe('chat gpt-4o-mini');
        expect(value(c, 'gen_ai.provider.name')).toBe('openai');
        expect(value(c, 'gen_ai.request.model')).toBe('gpt-4o-mini');
        expect(typeof value(c, 'lk.response.ttft')).toBe('number');
      }
      expect(chats.map((c) => value(c, 'gen_ai.usage.input_tokens'))).toEqual([120, 150, 180, 200, 220, 240]);
      expect(chats.map((c) => value(c, 'gen_ai.usage.cache_read.input_tokens'))).toEqual([40, 0, 100, 0, 150, 200]);
      expect(chats.map((c) => value(c, 'gen_ai.usage.output_tokens'))).toEqual([12, 8, 9, 7, 10, 5]);
      expect(chats.map((c) => (value(c, 'gen_ai.response.finish_reasons') as { values: Value[] }).values[0]!['stringValue'])).toEqual([
        'stop',
        'tool_call',
        'stop',
        'tool_call',
        'stop',
        'stop',
      ]);
      // The two requests of a tool round are two spans under the same turn.
      const paris = traceOf(spans, 'call-priced').find(
        (s) => s.name === 'execute_tool get_weather' && value(s, 'gen_ai.tool.call.id') === 'call_paris',
      )!;
      expect(chats.filter((c) => c.parentSpanId === paris.parentSpanId)).toHaveLength(2);
    });

    it('names the provider on every invoke_agent span and uses LiveKit’s lk.* names', () => {
      const trace = traceOf(spans, 'call-priced');
      const turns = trace.filter((s) => value(s, 'gen_ai.operation.name') === 'invoke_agent');
      expect(turns).toHaveLength(PRICED_INPUTS.length);
      for (const t of turns) {
        expect(value(t, 'gen_ai.provider.name')).toBe('openai');
        expect(typeof value(t, 'lk.generation_id')).toBe('string');
        expect(value(t, 'lk.interrupted')).toBe(false);
      }
      const root = trace.find((s) => s.name === 'call')!;
      expect(value(root, 'lk.pii.room_name')).toBe('room-call-priced');
      // The free call's model reports no provider: LiveKit's own 'unknown', still present.
      for (const s of traceOf(spans, 'call-free').filter((x) =>
        ['chat', 'invoke_agent'].includes(value(x, 'gen_ai.operation.name') as string),
      ))
        expect(value(s, 'gen_ai.provider.name')).toBe('unknown');
    });

    it('gives each tool call an execute_tool span inside its turn, in error when the tool failed', () => {
      const trace = traceOf(spans, 'call-priced');
      const tools = trace.filter((s) => value(s, 'gen_ai.operation.name') === 'execute_tool').sort(byStart);
      expect(tools.map((t) => [t.name, value(t, 'gen_ai.tool.name'), value(t, 'gen_ai.tool.call.id')])).toEqual([
        ['execute_tool get_weather', 'get_weather', 'call_paris'],
        ['execute_tool get_weather', 'get_weather', 'call_atlantis'],
      ]);
      const [paris, atlantis] = tools as [Span, Span];
      expect(paris.status?.code).toBeUndefined();
      expect(value(paris, 'lk.function_tool.is_error')).toBe(false);
      expect(atlantis.status?.code).toBe('STATUS_CODE_ERROR');
      expect(value(atlantis, 'error.type')).toBe('tool_error');
      expect(value(atlantis, 'lk.function_tool.is_error')).toBe(true);
      for (const t of tools) {
        const turn = trace.find((s) => s.spanId === t.parentSpanId)!;
        expect(value(turn, 'gen_ai.operation.name')).toBe('invoke_agent');
        expect(BigInt(t.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(turn.startTimeUnixNano));
        expect(BigInt(t.endTimeUnixNano)).toBeLessThanOrEqual(BigInt(turn.endTimeUnixNano));
      }
    });

    it('gives every attribute key one value type, the one declared for it, whatever its value', () => {
      const seen = new Map<string, Set<string>>();
      for (const s of spans)
        for (const a of s.attributes ?? []) {
          if (!seen.has(a.key)) seen.set(a.key, new Set());
          seen.get(a.key)!.add(Object.keys(a.value)[0]!);
        }
      for (const [key, cases] of seen) {
        expect([key, [...cases]]).toEqual([key, [PROTO_CASE[OTLP_ATTRIBUTE_TYPES[key as OtlpAttributeKey]]]]);
      }
      // A call that cost nothing and one that cost something: both costs are doubles.
      const costs = spans.filter((s) => s.name === 'call').map((s) => s.attributes!.find((a) => a.key === 'call.cost_usd')!.value);
      expect(costs).toHaveLength(2);
      expect(costs.every((v) => Object.keys(v)[0] === 'doubleValue')).toBe(true);
      expect(costs.map((v) => Number(v['doubleValue'] ?? 0)).sort((a, b) => a - b)[0]).toBe(0);
      expect(Math.max(...costs.map((v) => Number(v['doubleValue'] ?? 0)))).toBeGreaterThan(0);
    });

    it('keeps transcripts out unless asked for', () => {
      const all = JSON.stringify(spans);
      expect(all).not.toContain('Paris?');
      expect(all).not.toContain('sunny in Paris');
    });
  });

  it('sends OTLP/JSON with --otlp-encoding json, and its output messages pass the GenAI JSON schema', async () => {
    const receiver = await startReceiver();
    try {
      const r = await convlog([
        'export',
        '--format',
        'otlp',
        '--endpoint',
        receiver.url,
        '--otlp-encoding',
        'json',
        '--with-content',
        '--database-url',
        url,
      ]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/^sent 2 calls \(\d+ spans\) to http:\/\/127\.0\.0\.1:\d+\/v1\/traces in 1 requests\n$/m);
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]!.contentType).toBe('application/json');
      const spans = spansOf(parseJsonTraces(JSON.parse(receiver.received[0]!.body.toString())) as unknown as Decoded);
      const schema = JSON.parse(fs.readFileSync(new URL('../support/genai/gen-ai-output-messages.json', import.meta.url), 'utf8'));
      const validate = new Ajv({ allErrors: true }).compile(schema);
      const outputs = spans.filter((s) => value(s, 'gen_ai.output.messages') !== undefined);
      // Every chat and every invoke_agent span of both calls carries what the model said.
      expect(outputs.length).toBe(
        spans.filter((s) => ['chat', 'invoke_agent'].includes(value(s, 'gen_ai.operation.name') as string)).length,
      );
      for (const s of outputs) {
        const messages = JSON.parse(value(s, 'gen_ai.output.messages') as string);
        expect([s.name, validate(messages), validate.errors]).toEqual([s.name, true, null]);
      }
      const toolRound = outputs.find(
        (s) => value(s, 'gen_ai.operation.name') === 'chat' && (value(s, 'gen_ai.output.messages') as string).includes('Atlantis'),
      )!;
      expect(JSON.parse(value(toolRound, 'gen_ai.output.messages') as string)).toEqual([
        {
          role: 'assistant',
          finish_reason: 'tool_call',
          parts: [{ type: 'tool_call', id: 'call_atlantis', name: 'get_weather', arguments: { city: 'Atlantis' } }],
        },
      ]);
      const paris = spans.find((s) => value(s, 'gen_ai.tool.call.id') === 'call_paris')!;
      expect(value(paris, 'gen_ai.tool.call.result')).toContain('sunny in Paris');
    } finally {
      await receiver.close();
    }
  });

  it('writes OTLP/JSON lines that the official protos read strictly, without --endpoint', async () => {
    const r = await convlog(['export', '--format', 'otlp', '--database-url', url]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(spansOf(parseJsonTraces(JSON.parse(line)) as unknown as Decoded).length).toBeGreaterThan(5);
  });

  it('gives up with EXPORT_FAILED and exit 1 after --max-attempts tries of a receiver that stays down', async () => {
    const receiver = await startReceiver(() => ({ status: 503, headers: { 'retry-after': '0' } }));
    try {
      const r = await convlog(['export', '--format', 'otlp', '--endpoint', receiver.url, '--max-attempts', '3', '--database-url', url]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('EXPORT_FAILED');
      expect(r.stderr).toContain('after 3 tries (last: HTTP 503); 0 calls were delivered before');
      expect(receiver.received).toHaveLength(3);
    } finally {
      await receiver.close();
    }
  });

  it('does not retry a status that will fail again (400)', async () => {
    const receiver = await startReceiver(() => ({ status: 400 }));
    try {
      const r = await convlog(['export', '--format', 'otlp', '--endpoint', receiver.url, '--database-url', url]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('refused the traces with HTTP 400');
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('counts the spans a receiver rejects in a partial success, without sending them again', async () => {
    const receiver = await startReceiver(() => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ partialSuccess: { rejectedSpans: '3', errorMessage: 'too old' } }),
    }));
    try {
      const r = await convlog([
        'export',
        '--format',
        'otlp',
        '--endpoint',
        receiver.url,
        '--otlp-encoding',
        'json',
        '--json',
        '--database-url',
        url,
      ]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ records: 2, requests: 1, retries: 0, rejectedSpans: 3 });
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('sends the OTEL_EXPORTER_OTLP_HEADERS headers', async () => {
    const receiver = await startReceiver();
    try {
      const r = await convlog(['export', '--format', 'otlp', '--endpoint', receiver.url, '--database-url', url], {
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-tenant=t1',
      });
      expect(r.code).toBe(0);
      expect(receiver.received[0]!.headers).toMatchObject({ authorization: 'Bearer abc', 'x-tenant': 't1' });
    } finally {
      await receiver.close();
    }
  });

  it('waits as Retry-After says, else backs off exponentially, and throws a typed error in the end', async () => {
    const ds = await logger.dataSource();
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
    };
    const throttled = await startReceiver((n) => (n === 0 ? { status: 429, headers: { 'retry-after': '7' } } : { status: 200 }));
    try {
      const ok = await sendOtlp(otlpRequests(ds, 0), { endpoint: throttled.url, sleep });
      expect(ok).toMatchObject({ calls: 2, retries: 1, requests: 1 });
      expect(waits).toEqual([7000]);
    } finally {
      await throttled.close();
    }

    // Nothing listens on this port any more: connection errors, retried with doubling waits.
    const gone = await startReceiver();
    await gone.close();
    waits.length = 0;
    const failure = await sendOtlp(otlpRequests(ds, 0), { endpoint: gone.url, sleep, maxAttempts: 4, initialBackoffMs: 100 }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(OtlpExportError);
    expect(failure).toMatchObject({ code: 'EXPORT_FAILED', attempts: 4, status: null, delivered: { calls: 0, spans: 0 } });
    expect(waits).toHaveLength(3);
    waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual(50 * 2 ** i);
      expect(w).toBeLessThanOrEqual(100 * 2 ** i);
    });
  });

  it('refuses --endpoint with another format, with --out, or with credentials in the URL, as usage errors', async () => {
    expect((await convlog(['export', '--format', 'csv', '--endpoint', 'http://127.0.0.1:1/v1/traces', '--database-url', url])).code).toBe(
      2,
    );
    expect(
      (
        await convlog([
          'export',
          '--format',
          'otlp',
          '--endpoint',
          'http://127.0.0.1:1/v1/traces',
          '--out',
          'x.jsonl',
          '--database-url',
          url,
        ])
      ).code,
    ).toBe(2);
    expect((await convlog(['export', '--format', 'otlp', '--max-attempts', '3', '--database-url', url])).code).toBe(2);
    const bad = await convlog(['export', '--format', 'otlp', '--endpoint', 'ftp://collector/v1/traces', '--database-url', url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('INVALID_ARGUMENT');
    const secret = await convlog([
      'export',
      '--format',
      'otlp',
      '--endpoint',
      'http://user:s3cret@127.0.0.1:1/v1/traces',
      '--database-url',
      url,
    ]);
    expect(secret.code).toBe(2);
    expect(secret.stderr).toContain('OTEL_EXPORTER_OTLP_HEADERS');
    expect(secret.stderr).not.toContain('s3cret');
  });
});

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2026-12-03T07:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Thu, 03 Dec 2026 07:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Thu, 03 Dec 2026 06:59:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});
