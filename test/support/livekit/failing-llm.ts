import { APIStatusError, llm } from '@livekit/agents';

/** An `llm.LLM` whose every request fails with a non-retryable provider error (HTTP 500). */
export class FailingLLM extends llm.LLM {
  label(): string {
    return 'failing-llm';
  }

  chat({ chatCtx, toolCtx, connOptions }: Parameters<llm.LLM['chat']>[0]): llm.LLMStream {
    return new FailingStream(this, { chatCtx, toolCtx, connOptions: connOptions ?? { maxRetry: 0, retryIntervalMs: 0, timeoutMs: 1000 } });
  }
}

class FailingStream extends llm.LLMStream {
  protected async run(): Promise<void> {
    throw new APIStatusError({ message: 'upstream model returned 500', options: { statusCode: 500, retryable: false } });
  }
}
