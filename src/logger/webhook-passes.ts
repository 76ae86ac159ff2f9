import type { Log } from '../config/log.js';
import { WebhookDeliverer, type WebhookDelivererOptions, type WebhookDeliveryReport } from '../webhooks/deliverer.js';

/** How long `deliverWebhooks` sends at most by default (ms). */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;

/**
 * The logger's webhook sending: one deliverer over its outbox, passes run when asked, and passes
 * run in the background once a call's report is queued, which `close()` lets finish (bounded).
 */
export class WebhookPasses {
  private deliverer: WebhookDeliverer | null = null;
  /** Passes started in the background, stopped by {@link settle}. */
  private readonly running = new Set<Promise<unknown>>();
  private readonly stop = new AbortController();

  constructor(private readonly options: WebhookDelivererOptions & { log: Log }) {}

  /** The deliverer, made on first use. */
  get(): WebhookDeliverer {
    return (this.deliverer ??= new WebhookDeliverer(this.options));
  }

  /** Sends what is due (as far as `callId`'s when given) within `timeoutMs`. */
  async deliver(callId: string | undefined, timeoutMs: number): Promise<WebhookDeliveryReport> {
    return this.get().deliverPending({
      ...(callId === undefined ? {} : { callId }),
      deadline: Date.now() + timeoutMs,
      signal: this.stop.signal,
    });
  }

  /** Sends `callId`'s deliveries in the background, best effort: a failure is logged, never thrown. */
  inBackground(callId: string): void {
    const pass: Promise<unknown> = this.deliver(callId, DEFAULT_WEBHOOK_TIMEOUT_MS)
      .catch((error: unknown) => this.options.log.warn('webhook delivery at call end failed', { error: (error as Error).message }))
      .finally(() => this.running.delete(pass));
    this.running.add(pass);
  }

  /** How many background passes are under way. */
  get size(): number {
    return this.running.size;
  }

  /** Lets the background passes under way finish for at most `waitMs`, then stops those still sending. */
  async settle(waitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, waitMs)))),
    ]).finally(() => clearTimeout(timer));
    this.stop.abort();
  }
}
