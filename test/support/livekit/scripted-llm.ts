import { llm } from '@livekit/agents';

/** One scripted LLM answer: text and/or tool calls, and the usage the provider would report. */
export interface ScriptedAnswer {
  content?: string;
  toolCalls?: Array<{ name: string; args: Record<string, unknown>; callId?: string }>;
  usage?: { promptTokens: number; promptCachedTokens?: number; completionTokens: number };
  ttftMs?: number;
}

/**
 * An `llm.LLM` that answers its n-th request with the n-th scripted answer, reporting the
 * provider, model and token usage a real plugin reports (so LiveKit's metrics, usage collector
 * and the plugin's pricing see a priced model). Tool call ids are as scripted: LiveKit's FakeLLM
 * always uses `fake_call_0`, the OpenAI Responses plugin can give `''`.
 */
export class ScriptedLLM extends llm.LLM {
  private next = 0;

  constructor(
    private readonly answers: ScriptedAnswer[],
    private readonly info: { provider: string; model: string } = { provider: 'api.openai.com', model: 'gpt-4o-mini' },
  ) {
    super();
  }

  label(): string {
    return 'scripted-llm';
  }
  override get model(): string {
    return this.info.model;
  }
  override get provider(): string {
    return this.info.provider;
  }

  /** How many requests were made. */
  get requests(): number {
    return this.next;
  }

  chat({ chatCtx, toolCtx, connOptions }: Parameters<llm.LLM['chat']>[0]): llm.LLMStream {
    const answer = this.answers[this.next++] ?? { content: '' };
    return new ScriptedStream(this, answer, {
      chatCtx,
      toolCtx,
      connOptions: connOptions ?? { maxRetry: 0, retryIntervalMs: 0, timeoutMs: 5000 },
    });
  }
}

class ScriptedStream extends llm.LLMStream {
  constructor(
    owner: ScriptedLLM,
    private readonly answer: ScriptedAnswer,
    params: ConstructorParameters<typeof llm.LLMStream>[1],
  ) {
    super(owner, params);
  }

  protected async run(): Promise<void> {
    const a = this.answer;
    await new Promise((r) => setTimeout(r, a.ttftMs ?? 5));
    if (a.content) this.queue.put({ id: 'scripted', delta: { role: 'assistant', content: a.content } });
    if (a.toolCalls?.length)
      this.queue.put({
        id: 'scripted',
        delta: {
          role: 'assistant',
          toolCalls: a.toolCalls.map((t, i) =>
            llm.FunctionCall.create({ callId: t.callId ?? `call_${i}`, name: t.name, args: JSON.stringify(t.args) }),
          ),
        },
      });
    if (a.usage)
      this.queue.put({
        id: 'scripted',
        usage: {
          promptTokens: a.usage.promptTokens,
          promptCachedTokens: a.usage.promptCachedTokens ?? 0,
          completionTokens: a.usage.completionTokens,
          totalTokens: a.usage.promptTokens + a.usage.completionTokens,
        },
      });
  }
}
