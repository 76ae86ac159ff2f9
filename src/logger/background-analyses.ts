import { resolveAnalysis, type AnalysisOptions, type ResolvedAnalysis } from '../analysis/options.js';
import { analyzeCall, type AnalysisStore } from '../analysis/run.js';
import type { Log } from '../config/log.js';
import { ConversationLogError } from '../errors.js';

/** The analysis to run: `options` when given, else the configured one; `CONFIG_INVALID` when there is neither. */
export function analysisFor(configured: ResolvedAnalysis | null, options: AnalysisOptions | undefined): ResolvedAnalysis {
  if (options !== undefined) return resolveAnalysis(options);
  if (configured === null)
    throw new ConversationLogError(
      'CONFIG_INVALID',
      'No analysis is configured: open the logger with { analysis: { llm, criteria, schema } } or pass the options here.',
      { field: 'analysis' },
    );
  return configured;
}

/** The post-call analyses the logger runs off the caller's path (after `endCall()`), awaited by `flushAnalyses()` and `close()`. */
export class BackgroundAnalyses {
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly log: Log) {}

  /** Runs `analysis` of the ended call `callId`; its failures are stored or logged, never thrown. */
  start(store: AnalysisStore, callId: string, analysis: ResolvedAnalysis): void {
    const task = analyzeCall(store, callId, analysis).then(
      () => undefined,
      (error: unknown) => this.log.warn('post-call analysis not stored', { callId, error: (error as Error).message }),
    );
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }

  /** Resolves once every analysis started has stored its result. */
  async flush(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** How many analyses are under way. */
  get size(): number {
    return this.running.size;
  }

  /** {@link flush}, waiting no later than `deadline` (ms epoch). */
  async settle(deadline: number): Promise<void> {
    let wait: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise<void>((r) => (wait = setTimeout(r, Math.max(0, deadline - Date.now()))))]).finally(() =>
      clearTimeout(wait),
    );
  }
}
