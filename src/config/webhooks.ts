import { createHash } from 'node:crypto';
import { ConversationLogError } from '../errors.js';

/** What a webhook is posted for: a call that ended, and (later) its analysis that completed. */
export type WebhookEvent = 'call_ended' | 'analysis_completed';

/** Every {@link WebhookEvent}, in the order they happen to a call. */
export const WEBHOOK_EVENTS: readonly WebhookEvent[] = ['call_ended', 'analysis_completed'];

/**
 * One webhook endpoint, as `agent.config.ts`, the plugin's options or `ConversationLogger`'s
 * options give it.
 *
 * @example
 * ```ts
 * webhooks: [{ url: 'https://crm.example.com/hooks/calls', secret: process.env.CRM_WEBHOOK_SECRET! }]
 * ```
 */
export interface WebhookConfig {
  /** Where the report is POSTed: an `http:` or `https:` URL. */
  url: string;
  /** The HMAC-SHA256 key the receiver verifies the signature with (at least 16 characters). */
  secret: string;
  /** Which events are posted (default: all of {@link WEBHOOK_EVENTS}). */
  events?: readonly WebhookEvent[];
  /** Put the call's transcript (its messages) in the report (default false: figures only). */
  includeTranscript?: boolean;
  /**
   * The endpoint's name in the outbox (letters, digits, `.`, `_`, `-`; at most 64). Default: a
   * hash of `url`, so a changed URL is a new endpoint; give an id to keep its queue across a change.
   */
  id?: string;
}

/** A validated {@link WebhookConfig} with its defaults filled in. */
export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly secret: string;
  readonly events: readonly WebhookEvent[];
  readonly includeTranscript: boolean;
}

const configError = (field: string, problem: string): ConversationLogError =>
  new ConversationLogError('CONFIG_INVALID', `${field} ${problem}`, { field });

/** The default endpoint id of a URL: 16 hex digits of its sha256. */
export const endpointIdOf = (url: string): string => createHash('sha256').update(url).digest('hex').slice(0, 16);

/**
 * Validates webhook endpoints and fills in their defaults.
 *
 * @throws ConversationLogError `CONFIG_INVALID` naming the bad entry (`webhooks[1].url`, …)
 */
export function resolveWebhooks(raw: unknown, field = 'webhooks'): WebhookEndpoint[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw configError(field, 'must be an array of { url, secret } objects.');
  const seen = new Set<string>();
  return raw.map((entry: unknown, i) => {
    const at = `${field}[${i}]`;
    if (entry === null || typeof entry !== 'object') throw configError(at, 'must be an object { url, secret }.');
    const e = entry as Record<string, unknown>;
    const url = e['url'];
    if (typeof url !== 'string') throw configError(`${at}.url`, 'must be an http: or https: URL.');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw configError(`${at}.url`, 'is not a valid URL (expected https://host/path).');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw configError(`${at}.url`, 'must be an http: or https: URL.');
    const secret = e['secret'];
    if (typeof secret !== 'string' || secret.length < 16)
      throw configError(`${at}.secret`, 'must be a string of at least 16 characters (e.g. openssl rand -hex 32).');
    const events = e['events'] ?? WEBHOOK_EVENTS;
    if (!Array.isArray(events) || events.length === 0 || !events.every((x) => WEBHOOK_EVENTS.includes(x as WebhookEvent)))
      throw configError(`${at}.events`, `must be a non-empty list of ${WEBHOOK_EVENTS.join(', ')}.`);
    const includeTranscript = e['includeTranscript'] ?? false;
    if (typeof includeTranscript !== 'boolean') throw configError(`${at}.includeTranscript`, 'must be true or false.');
    const id = e['id'] ?? endpointIdOf(url);
    if (typeof id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(id))
      throw configError(`${at}.id`, 'must be 1 to 64 letters, digits, ".", "_" or "-".');
    if (seen.has(id)) throw configError(`${at}.id`, `repeats the endpoint ${id}: give each endpoint its own url or id.`);
    seen.add(id);
    return { id, url, secret, events: [...new Set(events as WebhookEvent[])], includeTranscript };
  });
}

/**
 * The endpoint the environment names: `CONVERSATION_LOG_WEBHOOK_URL` with
 * `CONVERSATION_LOG_WEBHOOK_SECRET` (both, or neither), every event, the transcript when
 * `CONVERSATION_LOG_WEBHOOK_TRANSCRIPT` is true. Undefined when the URL is unset.
 *
 * @throws ConversationLogError `CONFIG_INVALID` naming the variable
 */
export function webhooksFromEnv(env: NodeJS.ProcessEnv): WebhookEndpoint[] | undefined {
  const url = env['CONVERSATION_LOG_WEBHOOK_URL']?.trim();
  if (!url) return undefined;
  const secret = env['CONVERSATION_LOG_WEBHOOK_SECRET'] ?? '';
  const transcript = env['CONVERSATION_LOG_WEBHOOK_TRANSCRIPT']?.trim().toLowerCase();
  if (transcript !== undefined && transcript !== '' && !['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off'].includes(transcript))
    throw configError('CONVERSATION_LOG_WEBHOOK_TRANSCRIPT', `must be true or false, got ${JSON.stringify(transcript)}.`);
  try {
    return resolveWebhooks([{ url, secret, includeTranscript: ['1', 'true', 'yes', 'on'].includes(transcript ?? '') }]);
  } catch (error) {
    const field = (error as ConversationLogError).field?.endsWith('.secret')
      ? 'CONVERSATION_LOG_WEBHOOK_SECRET'
      : 'CONVERSATION_LOG_WEBHOOK_URL';
    throw configError(field, (error as Error).message.replace(/^\S+ /, ''));
  }
}
