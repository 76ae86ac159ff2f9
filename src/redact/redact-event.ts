import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue, NewEvent } from '../events/types.js';
import { redactText } from './patterns.js';

/** A text redactor: gets a free-text value and the field it is in, returns what to store. */
export type Redactor = (text: string, field: string) => string;

/**
 * Personal-data handling, set in `agent.config.ts` (`redaction`) or on `ConversationLogger.open`.
 *
 * - `redact`: `true` for the built-in redactor (phone numbers, e-mail addresses, Luhn-valid card
 *   numbers), or your own function; applied before anything is written to every string an event
 *   carries except its ids and fixed choices ({@link KEPT_FIELDS}): message content, tool names,
 *   call ids, arguments and output, metadata keys and values, system prompts, summaries, end
 *   reasons, error text, agent, model and provider names, language, event types, components, the
 *   room name and session-event payloads (transcripts).
 * - `callerNumber`: `'keep'`, `'mask'` (all but the last 4 digits: `+•••••••0100`) or `'hash'`
 *   (`sha256:<hex>` of `hashSalt` + the number: joinable across calls, not readable; without a
 *   secret salt a hash of a phone number can be brute-forced). Default: `'hash'` when `redact` is
 *   set, else `'keep'`. The number is replaced the same way where it appears in the room name, in
 *   any format (SIP rooms are often named after the caller).
 *
 * Ids (call, job, agent, conversation, message, turn, speech, request ids) are keys and are never
 * changed: do not build them from personal data.
 */
export interface RedactionOptions {
  redact?: boolean | Redactor;
  callerNumber?: 'keep' | 'mask' | 'hash';
  hashSalt?: string;
}

export const builtInRedactor: Redactor = (text) => redactText(text);

export function maskNumber(n: string): string {
  if (n.startsWith('sha256:') || n.includes('•')) return n;
  const digits = n.replace(/\D/g, '');
  return `${n.startsWith('+') ? '+' : ''}${'•'.repeat(Math.max(0, digits.length - 4))}${digits.slice(-4)}`;
}

export function hashNumber(n: string, salt = ''): string {
  if (n.startsWith('sha256:')) return n;
  return `sha256:${createHash('sha256')
    .update(`${salt}${n.replace(/[^\d+]/g, '')}`)
    .digest('hex')}`;
}

/**
 * `text` with every occurrence of the phone number `n` replaced: its digits in order, with or
 * without `+`, and with up to three separators (spaces, dots, dashes, parentheses) between them.
 */
function replaceNumber(text: string | null, n: string, replacement: string): string | null {
  const digits = n.replace(/\D/g, '');
  if (text === null || digits.length < 5) return text;
  const re = new RegExp(`\\+?${[...digits].join('[ .\\-()]{0,3}')}(?!\\d)`, 'g');
  return text.replace(re, () => replacement);
}

/**
 * Data fields a redactor never changes: ids (keys that join events and rows) and fixed choices.
 * Every other string in an event's data, at any depth, keys included, goes through it.
 */
export const KEPT_FIELDS: ReadonlySet<string> = new Set([
  'conversationId',
  'messageId',
  'itemId',
  'turnId',
  'userMessageId',
  'assistantMessageId',
  'speechId',
  'requestId',
  'jobId',
  'agentId',
  'agentsVersion',
  'priceVersion',
  'callerNumber',
  'role',
  'status',
  'severity',
  'kind',
  'outcome',
  'verdict',
  'interruptedBy',
]);

/** Past this depth a value is replaced whole (no JSON the package writes is nested this deep). */
const MAX_DEPTH = 64;

function deep(value: JsonValue, r: Redactor, field: string, depth = 0): JsonValue {
  if (typeof value === 'string') return r(value, field);
  if (value === null || typeof value !== 'object') return value;
  // Never let a value through unredacted because it is deep (or cyclic): replace it.
  if (depth > MAX_DEPTH) return '[REDACTED]';
  if (Array.isArray(value)) return value.map((v) => deep(v, r, field, depth + 1));
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    // Keys are redacted too (`{ "+14155550100": … }`); defineProperty keeps `__proto__` plain data.
    const key = r(k, `${field}{key}`);
    Object.defineProperty(out, key, {
      value: deep(v, r, `${field}.${k}`, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** An event's data with every string outside {@link KEPT_FIELDS} redacted; the rest copied as it is. */
function redactData<T extends object>(data: T, r: Redactor): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) out[k] = KEPT_FIELDS.has(k) || v === null ? v : deep(v as JsonValue, r, k);
  return out as T;
}

/** Your hook, held to returning a string (anything else would change what the columns hold). */
const checked =
  (hook: Redactor): Redactor =>
  (value, field) => {
    const out = hook(value, field);
    if (typeof out !== 'string') throw new TypeError(`the redact hook returned ${typeof out} for ${field}; it must return a string`);
    return out;
  };

/**
 * Builds the function that redacts an event before it is queued; `null` when nothing is to be
 * redacted (the default: no cost at all).
 *
 * @remarks
 * Throws when your hook throws or returns something other than a string: the caller then drops
 * the event (and says so) rather than write it unredacted.
 */
export function eventRedactor(options: RedactionOptions | undefined): ((event: NewEvent) => NewEvent) | null {
  if (!options) return null;
  const r: Redactor | null =
    options.redact === true ? builtInRedactor : typeof options.redact === 'function' ? checked(options.redact) : null;
  const caller = options.callerNumber ?? (r === null ? 'keep' : 'hash');
  if (r === null && caller === 'keep') return null;
  return (e: NewEvent): NewEvent => {
    if (e.type !== 'call_started') return r ? ({ ...e, data: redactData(e.data, r) } as NewEvent) : e;
    const n = e.data.callerNumber;
    const callerNumber = n === null ? null : caller === 'mask' ? maskNumber(n) : caller === 'hash' ? hashNumber(n, options.hashSalt) : n;
    // SIP rooms are often named after the caller (`call-_+15551230100_x9Kd`): the number goes there too.
    const livekitRoom = n === null || callerNumber === n ? e.data.livekitRoom : replaceNumber(e.data.livekitRoom, n, callerNumber!);
    const data = { ...e.data, livekitRoom };
    return { ...e, data: { ...(r ? redactData(data, r) : data), callerNumber } };
  };
}
