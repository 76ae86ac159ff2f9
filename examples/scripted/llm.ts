import { DEFAULT_API_CONNECT_OPTIONS, llm, type APIConnectOptions } from '@livekit/agents';

/** One scripted reply: what the model answers when the last item is `input`. */
export interface ScriptedReply {
  /** The last user message, or the output of the last tool call (as the session serialises it: JSON). */
  input?: string;
  /** Answer when the last item is the output of this tool, whatever it returned. */
  afterTool?: string;
  content?: string;
  toolCalls?: Array<{ name: string; args: Record<string, unknown> }>;
  ttftMs: number;
  /** Tokens the provider reports for this request. */
  usage: { promptTokens: number; promptCachedTokens: number; completionTokens: number };
}

/**
 * A streaming `llm.LLM` that answers from a script like `voice.testing.FakeLLM`, but reports a
 * model, a provider and token usage as a real provider does, so the session's LLM metrics carry
 * what the cost of a turn is computed from.
 */
export class ScriptedLLM extends llm.LLM {
  constructor(
    readonly replies: ScriptedReply[],
    readonly modelName = 'gpt-4o-mini',
  ) {
    super();
  }
  label(): string {
    return 'scripted-llm';
  }
  override get model(): string {
    return this.modelName;
  }
  override get provider(): string {
    return 'openai';
  }
  chat({
    chatCtx,
    toolCtx,
    connOptions = DEFAULT_API_CONNECT_OPTIONS,
  }: {
    chatCtx: llm.ChatContext;
    toolCtx?: llm.ToolContext;
    connOptions?: APIConnectOptions;
  }): llm.LLMStream {
    return new ScriptedLLMStream(this, { chatCtx, toolCtx, connOptions });
  }
}

class ScriptedLLMStream extends llm.LLMStream {
  constructor(
    private readonly owner: ScriptedLLM,
    params: { chatCtx: llm.ChatContext; toolCtx?: llm.ToolContext; connOptions: APIConnectOptions },
  ) {
    super(owner, params);
  }

  private reply(): ScriptedReply | undefined {
    const last = this.chatCtx.items.at(-1);
    if (last?.type === 'message' && last.role === 'user') return this.owner.replies.find((r) => r.input === last.textContent);
    if (last?.type === 'function_call_output')
      return this.owner.replies.find((r) => r.afterTool === last.name || (r.input !== undefined && r.input === last.output));
    return undefined;
  }

  protected async run(): Promise<void> {
    const reply = this.reply();
    if (!reply) return;
    await new Promise((r) => setTimeout(r, reply.ttftMs));
    const content = reply.content ?? '';
    for (let i = 0; i < content.length; i += 8) {
      if (this.abortController.signal.aborted) return;
      this.queue.put({ id: 'scripted', delta: { role: 'assistant', content: content.slice(i, i + 8) } });
    }
    if (reply.toolCalls?.length) {
      const toolCalls = reply.toolCalls.map((tc, i) =>
        llm.FunctionCall.create({ callId: `call_${i}_${Date.now()}`, name: tc.name, args: JSON.stringify(tc.args) }),
      );
      this.queue.put({ id: 'scripted', delta: { role: 'assistant', toolCalls } });
    }
    const { promptTokens, promptCachedTokens, completionTokens } = reply.usage;
    this.queue.put({
      id: 'scripted',
      usage: { promptTokens, promptCachedTokens, completionTokens, totalTokens: promptTokens + completionTokens },
    });
  }
}
