import type { DataSource } from 'typeorm';
import type { Dialect } from '../config/dialect.js';
import type { Log } from '../config/log.js';
import type { WebhookEndpoint, WebhookEvent } from '../config/webhooks.js';
import { getCallReport, type CallReport } from '../queries/call-report.js';
import { select } from '../queries/sql.js';
import { claimNext, markAttemptFailed, markDelivered, releaseClaim, toDelivery, type ClaimedDelivery } from '../store/webhook-outbox.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhookPayload } from './signature.js';

/** The JSON body of a delivery. */
export interface WebhookPayload {
  /** The delivery id (also in `X-ConversationLog-Delivery`): the same on every attempt. */
  id: string;
  event: WebhookEvent;
  callId: string;
  /** When the event that made it due was recorded (ms since 1970 UTC). */
  occurredAt: number;
  /** When this attempt was sent (ms since 1970 UTC); the signature's `t`. */
  sentAt: number;
  report: CallReport;
}

export interface WebhookDelivererOptions {
  /** The store (opened, migrated). */
  dataSource: () => Promise<DataSource>;
  dialect: Dialect;
  /** The configured endpoints: deliveries of endpoints not among them are left pending. */
  endpoints: readonly WebhookEndpoint[];
  /**
   * Runs each outbox transaction (claim, acknowledgement); the logger passes its writer's
   * exclusive lane, so none interleaves with a batch on the same connection.
   */
  runExclusive?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** How long a claim holds a delivery (ms, default 60 000): longer than a request may take. */
  leaseMs?: number;
  /** A request with no answer by then is a failed attempt (ms, default 10 000). */
  requestTimeoutMs?: number;
  /** First retry delay (ms, default 1 000); doubles per attempt, with jitter, up to `retryMaxDelayMs`. */
  retryBaseDelayMs?: number;
  /** Longest retry delay (ms, default 300 000: an endpoint back from an outage is tried within 5 minutes). */
  retryMaxDelayMs?: number;
  /** A delivery still failing this long after it was queued is given up, `failed` (ms, default 3 days). */
  giveUpAfterMs?: number;
  log?: Log;
  /** The clock (ms since 1970 UTC). */
  now?: () => number;
  /** Jitter's random source in [0, 1). */
  random?: () => number;
  fetch?: typeof fetch;
}

/** What one pass of {@link WebhookDeliverer.deliverPending} did. */
export interface WebhookDeliveryReport {
  /** Deliveries the receivers acknowledged (2xx). */
  delivered: number;
  /** Attempts that failed (no answer, or not 2xx); each is retried later. */
  failed: number;
  /** Deliveries given up (`failed`) in this pass. */
  gaveUp: number;
  /** The pass stopped at its deadline. */
  timedOut: boolean;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

const isBusy = (error: unknown): boolean => /^SQLITE_BUSY/.test(String((error as { code?: unknown })?.code ?? ''));

/**
 * Sends the webhook outbox: each endpoint's pending deliveries in log order, one at a time,
 * signed; a delivery is acknowledged when the receiver answers 2xx, else retried with
 * exponential backoff and jitter.
 *
 * @remarks
 * Delivery is at least once. A delivery is claimed with a lease before it is sent, so two
 * deliverers (two processes) never send it at once; it is marked delivered once the receiver
 * answered 2xx, and never sent again. A deliverer that dies after the receiver got the request
 * but before it recorded the answer leaves the claim to expire (`leaseMs`): the delivery is then
 * sent again, with the same delivery id (`X-ConversationLog-Delivery`) for the receiver to
 * recognise. Later deliveries of an endpoint wait while an earlier one is retried, so each
 * endpoint receives its reports in order.
 */
export class WebhookDeliverer {
  private readonly endpoints: ReadonlyMap<string, WebhookEndpoint>;
  private readonly lane: <T>(fn: () => Promise<T>) => Promise<T>;
  private readonly leaseMs: number;
  private readonly requestTimeoutMs: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly giveUpMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: WebhookDelivererOptions) {
    this.endpoints = new Map(options.endpoints.map((e) => [e.id, e]));
    this.lane = options.runExclusive ?? (<T>(fn: () => Promise<T>) => fn());
    this.leaseMs = options.leaseMs ?? 60_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.baseMs = options.retryBaseDelayMs ?? 1_000;
    this.maxMs = options.retryMaxDelayMs ?? 300_000;
    this.giveUpMs = options.giveUpAfterMs ?? 3 * 86_400_000;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** The configured endpoints. */
  get configured(): readonly WebhookEndpoint[] {
    return [...this.endpoints.values()];
  }

  /**
   * One pass: for every configured endpoint, sends its due deliveries in order until its queue
   * is empty, one fails (the rest wait for its retry), or another deliverer holds its head.
   *
   * @param options.callId stop each endpoint once this call's deliveries are sent (a job
   *   process at call end); a head held by another deliverer is waited for, until the deadline
   * @param options.deadline stop by then (ms since 1970 UTC): no request outlives it
   * @param options.signal stop when aborted (a claim not yet sent is given back)
   */
  async deliverPending(options: { callId?: string; deadline?: number; signal?: AbortSignal } = {}): Promise<WebhookDeliveryReport> {
    const report: WebhookDeliveryReport = { delivered: 0, failed: 0, gaveUp: 0, timedOut: false };
    if (this.endpoints.size === 0) return report;
    const ds = await this.options.dataSource();
    await Promise.all([...this.endpoints.values()].map((e) => this.drain(ds, e, report, options)));
    return report;
  }

  /**
   * Passes of {@link deliverPending} every `intervalMs` (default 1 000) until `signal` aborts:
   * the long-running deliverer (`convlog webhooks deliver --follow`, `convlog serve`).
   */
  async follow(options: { intervalMs?: number; signal: AbortSignal }): Promise<void> {
    const interval = options.intervalMs ?? 1_000;
    while (!options.signal.aborted) {
      try {
        await this.deliverPending({ signal: options.signal });
      } catch (error) {
        this.options.log?.warn('webhook deliverer: a pass failed; it runs again', { error: (error as Error).message });
      }
      await sleep(interval, options.signal);
    }
  }

  private async drain(
    ds: DataSource,
    endpoint: WebhookEndpoint,
    report: WebhookDeliveryReport,
    options: { callId?: string; deadline?: number; signal?: AbortSignal },
  ): Promise<void> {
    const { callId, deadline, signal } = options;
    for (;;) {
      if (signal?.aborted) return;
      if (deadline !== undefined && this.now() >= deadline) {
        report.timedOut = true;
        return;
      }
      if (callId !== undefined && !(await this.hasPending(ds, endpoint.id, callId))) return;
      const now = this.now();
      const claimed = await this.outbox(() => claimNext(ds, this.options.dialect, endpoint.id, now, this.leaseMs));
      if (claimed === null) {
        if (callId === undefined) return;
        // Is the head held by another deliverer (wait for it) or waiting for its retry (stop)?
        const [head] = await select<Record<string, unknown>>(
          ds,
          `SELECT id, endpoint_id, event, event_id, event_position, call_id, status, attempts, created_at, next_attempt_at, claimed_until,
             delivered_at, last_status, last_error FROM webhook_deliveries WHERE endpoint_id = ? AND status = 'pending'
           ORDER BY event_position, id LIMIT 1`,
          [endpoint.id],
        );
        if (head === undefined || toDelivery(head).nextAttemptAt > now) return;
        await sleep(Math.min(50, Math.max(0, (deadline ?? Infinity) - this.now())), signal);
        continue;
      }
      if (signal?.aborted) {
        await this.outbox(() => releaseClaim(ds, this.options.dialect, claimed));
        return;
      }
      if (!(await this.send(ds, endpoint, claimed, report, deadline, signal))) return;
    }
  }

  private async hasPending(ds: DataSource, endpointId: string, callId: string): Promise<boolean> {
    const rows = await select<{ id: string }>(
      ds,
      `SELECT id FROM webhook_deliveries WHERE endpoint_id = ? AND call_id = ? AND status = 'pending' LIMIT 1`,
      [endpointId, callId],
    );
    return rows.length > 0;
  }

  /** Sends one claimed delivery; true when the endpoint's next may go (acknowledged, or given up). */
  private async send(
    ds: DataSource,
    endpoint: WebhookEndpoint,
    delivery: ClaimedDelivery,
    report: WebhookDeliveryReport,
    deadline: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const dialect = this.options.dialect;
    const callReport = await getCallReport(ds, delivery.callId, { includeTranscript: endpoint.includeTranscript });
    if (callReport === null) {
      // The call was deleted (retention) between the claim and now: nothing left to send.
      await this.outbox(() =>
        markAttemptFailed(ds, dialect, delivery, {
          status: null,
          error: 'the call is no longer stored',
          nextAttemptAt: this.now(),
          giveUp: true,
        }),
      );
      report.gaveUp++;
      return true;
    }
    const sentAt = this.now();
    const payload: WebhookPayload = {
      id: delivery.id,
      event: delivery.event,
      callId: delivery.callId,
      occurredAt: delivery.createdAt,
      sentAt,
      report: callReport,
    };
    const body = JSON.stringify(payload);
    const budget = Math.min(this.requestTimeoutMs, deadline === undefined ? Infinity : Math.max(1, deadline - sentAt));
    const abort = AbortSignal.timeout(budget);
    let status: number | null = null;
    let error: string;
    let retryAfterMs: number | null = null;
    try {
      const response = await this.fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'livekit-conversation-log',
          [SIGNATURE_HEADER]: signWebhookPayload(endpoint.secret, body, sentAt),
          [DELIVERY_HEADER]: delivery.id,
          'idempotency-key': delivery.id,
          [EVENT_HEADER]: delivery.event,
        },
        body,
        signal: signal === undefined ? abort : AbortSignal.any([abort, signal]),
        redirect: 'manual',
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
      if (status >= 200 && status < 300) {
        await this.acknowledge(ds, delivery, status, deadline);
        report.delivered++;
        return true;
      }
      error = `HTTP ${status}`;
      retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.now());
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      error = abort.aborted ? `no answer within ${budget} ms` : (cause?.code ?? (e as Error).message);
    }
    report.failed++;
    const now = this.now();
    const delay = Math.max(retryAfterMs ?? 0, this.backoff(delivery.attempts));
    const nextAttemptAt = now + Math.min(delay, this.maxMs);
    const giveUp = nextAttemptAt - delivery.createdAt > this.giveUpMs;
    if (giveUp) report.gaveUp++;
    this.options.log?.warn('webhook delivery failed', {
      endpoint: endpoint.id,
      delivery: delivery.id,
      attempt: delivery.attempts,
      status,
      error,
      retryInMs: giveUp ? null : nextAttemptAt - now,
    });
    await this.outbox(() => markAttemptFailed(ds, dialect, delivery, { status, error, nextAttemptAt, giveUp }));
    // Given up, it no longer holds the queue: the endpoint's next delivery may go.
    return giveUp;
  }

  /** The receiver answered 2xx: recorded, retried a few times if the store is busy (else the lease expires and it is sent again). */
  private async acknowledge(ds: DataSource, delivery: ClaimedDelivery, status: number, deadline: number | undefined): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        await this.outbox(() => markDelivered(ds, this.options.dialect, delivery.id, status, this.now()));
        return;
      } catch (error) {
        if (i >= 5 || (deadline !== undefined && this.now() + 100 * 2 ** i > deadline)) {
          this.options.log?.error('webhook delivery acknowledged but not recorded; it will be sent again', {
            delivery: delivery.id,
            error: (error as Error).message,
          });
          return;
        }
        await sleep(100 * 2 ** i);
      }
    }
  }

  /** Exponential backoff with jitter: half to all of `base · 2^(attempt−1)`, capped. */
  private backoff(attempt: number): number {
    const full = Math.min(this.maxMs, this.baseMs * 2 ** Math.max(0, Math.min(30, attempt - 1)));
    return Math.round(full / 2 + (this.random() * full) / 2);
  }

  /** An outbox transaction in the lane, retried while SQLite is busy with another writer. */
  private async outbox<T>(fn: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await this.lane(fn);
      } catch (error) {
        if (!isBusy(error) || i >= 50) throw error;
        await sleep(5 + Math.floor(this.random() * 20));
      }
    }
  }
}

/** A `Retry-After` header (seconds or an HTTP date) as ms from `now`; null when absent or unreadable. */
function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
