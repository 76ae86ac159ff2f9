import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries a delivery's signature: `t=<unix ms>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'X-ConversationLog-Signature';
/** The header that carries the delivery id, the same on every attempt: the receiver's idempotency key. */
export const DELIVERY_HEADER = 'X-ConversationLog-Delivery';
/** The header that names the event: `call_ended` or `analysis_completed`. */
export const EVENT_HEADER = 'X-ConversationLog-Event';

/** How old a signature `verifyWebhookSignature` accepts by default (ms): 5 minutes, as Stripe does. */
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 5 * 60_000;

const hmac = (secret: string, timestamp: number, body: string | Uint8Array): string =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');

/**
 * The signature header's value for a body: `t=<timestamp>,v1=<hex>`, where `<hex>` is
 * HMAC-SHA256 with the endpoint's secret over `<timestamp>.<raw body>` (the timestamp in ms since
 * 1970 UTC, signed with the body so a captured request cannot be replayed later with another time).
 */
export function signWebhookPayload(secret: string, body: string | Uint8Array, timestamp: number = Date.now()): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

export interface VerifyWebhookOptions {
  /** The request's raw body, exactly as received (not parsed and re-serialised). */
  payload: string | Uint8Array;
  /** The value of the `X-ConversationLog-Signature` header. */
  header: string | string[] | null | undefined;
  /** The endpoint's secret, as configured in `webhooks[].secret`. */
  secret: string;
  /** Oldest signature accepted (ms, default 5 minutes); 0 turns the age check off. */
  toleranceMs?: number;
  /** The receiver's clock (ms since 1970 UTC; default `Date.now()`). */
  now?: number;
}

/**
 * Checks a webhook request's signature: true when the header is well formed, one of its `v1`
 * signatures is the HMAC-SHA256 of `<t>.<payload>` with `secret` (compared in constant time), and
 * `t` is within `toleranceMs` of `now`.
 *
 * @remarks
 * Verify the raw body before parsing it (with Express, `express.raw({ type: 'application/json' })`).
 * Deliveries are at least once: keep the `X-ConversationLog-Delivery` id of what you processed
 * and answer 2xx to a repeat without processing it again.
 *
 * @example
 * ```ts
 * import { verifyWebhookSignature } from 'livekit-conversation-log';
 * app.post('/hooks/calls', express.raw({ type: 'application/json' }), (req, res) => {
 *   const ok = verifyWebhookSignature({
 *     payload: req.body,
 *     header: req.get('X-ConversationLog-Signature'),
 *     secret: process.env.CONVLOG_WEBHOOK_SECRET!,
 *   });
 *   if (!ok) return res.status(400).end();
 *   const { event, report } = JSON.parse(req.body.toString('utf8'));
 *   res.status(204).end();
 * });
 * ```
 */
export function verifyWebhookSignature(options: VerifyWebhookOptions): boolean {
  const { payload, secret } = options;
  const header = Array.isArray(options.header) ? options.header[0] : options.header;
  if (typeof header !== 'string' || typeof secret !== 'string' || secret === '') return false;
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,16}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === null || signatures.length === 0) return false;
  const tolerance = options.toleranceMs ?? DEFAULT_SIGNATURE_TOLERANCE_MS;
  if (tolerance > 0 && Math.abs((options.now ?? Date.now()) - timestamp) > tolerance) return false;
  const expected = Buffer.from(hmac(secret, timestamp, payload), 'hex');
  return signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
}
