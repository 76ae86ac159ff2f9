import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue, NewEvent } from '../events/types.js';
import { redactText } from './patterns.js';

/** A text redactor: gets a free-text value and the field it is in, returns what to store. */
export type Redactor = (text: string, field: string) => string;

/**
 * Personal-data handling, set in `agent.config.ts` (`redaction`) or on `ConversationLogger.open`.
 *
 * - `redact`: `true` for the built-in redactor (phone numbers, e-mail addresses, Luhn-valid card
 *   numbers), or your own function; applied to every free-text field before anything is written:
 *   message content, tool arguments and output, metadata, system prompts, summaries, end reasons,
 *   error text and the payloads of session events (transcripts).
 * - `callerNumber`: `'keep'` (default), `'mask'` (all but the last 4 digits: `+•••••••0100`) or
 *   `'hash'` (`sha256:<hex>` of `hashSalt` + the number: joinable across calls, not readable;
 *   without a secret salt a hash of a phone number can be brute-forced). The number is replaced
 *   the same way where it appears in the room name (SIP rooms are often named after the caller).
 *
 * Ids (call, job, agent, conversation ids) are keys and are never changed: do not build them
 * from personal data.
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
  return `sha256:${createHash('sha256').update(`${salt}${n.replace(/[^\d+]/g, '')}`).digest('hex')}`;
}

/** `text` with every occurrence of the phone number `n` (its digits, with or without `+`) replaced. */
function replaceNumber(text: string | null, n: string, replacement: string): string | null {
  const digits = n.replace(/\D/g, '');
  if (text === null || digits.length < 5) return text;
  return text.includes(digits) ? text.replace(new RegExp(`\\+?${digits}`, 'g'), replacement) : text;
}

/** Past this depth a value is replaced whole (no JSON the package writes is nested this deep). */
const MAX_DEPTH = 64;

function deep(value: JsonValue, r: Redactor, field: string, depth = 0): JsonValue {
  if (typeof value === 'string') return r(value, field);
  if (value === null || typeof value !== 'object') return value;
  // Never let a value through unredacted because it is deep (or cyclic): replace it.
  if (depth > MAX_DEPTH) return '[REDACTED]';
  if (Array.isArray(value)) return value.map((v) => deep(v, r, field, depth + 1));
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value))
    Object.defineProperty(out, k, { value: deep(v, r, `${field}.${k}`, depth + 1), enumerable: true, writable: true, configurable: true });
  return out;
}

const text = (v: string | null, r: Redactor, field: string): string | null => (v === null ? null : r(v, field));
const obj = (v: JsonObject | null, r: Redactor, field: string): JsonObject | null => (v === null ? null : (deep(v, r, field) as JsonObject));

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
  const r: Redactor | null = options.redact === true ? builtInRedactor : typeof options.redact === 'function' ? checked(options.redact) : null;
  const caller = options.callerNumber ?? 'keep';
  if (r === null && caller === 'keep') return null;
  const id: Redactor = (s) => s;
  const red = r ?? id;
  return (e: NewEvent): NewEvent => {
    switch (e.type) {
      case 'call_started': {
        const n = e.data.callerNumber;
        const callerNumber = n === null ? null : caller === 'mask' ? maskNumber(n) : caller === 'hash' ? hashNumber(n, options.hashSalt) : n;
        // SIP rooms are often named after the caller (`call-_+15551230100_x9Kd`): the number goes there too.
        const livekitRoom = n === null || callerNumber === n ? e.data.livekitRoom : replaceNumber(e.data.livekitRoom, n, callerNumber!);
        return { ...e, data: { ...e.data, callerNumber, livekitRoom, metadata: obj(e.data.metadata, red, 'metadata') } };
      }
      case 'call_ended':
        return r ? { ...e, data: { ...e.data, reason: text(e.data.reason, r, 'reason'), error: text(e.data.error, r, 'error') } } : e;
      case 'conversation_started':
        return r ? { ...e, data: { ...e.data, systemPrompt: text(e.data.systemPrompt, r, 'systemPrompt'), metadata: obj(e.data.metadata, r, 'metadata') } } : e;
      case 'conversation_ended':
        return r ? { ...e, data: { ...e.data, summary: text(e.data.summary, r, 'summary') } } : e;
      case 'message_added':
        return r ? { ...e, data: { ...e.data, content: r(e.data.content, 'content'), metadata: obj(e.data.metadata, r, 'metadata') } } : e;
      case 'tool_executed':
        return r ? { ...e, data: { ...e.data, arguments: r(e.data.arguments, 'arguments'), output: text(e.data.output, r, 'output') } } : e;
      case 'error_occurred':
        return r ? { ...e, data: { ...e.data, message: r(e.data.message, 'message') } } : e;
      case 'system_event_logged':
        return r ? { ...e, data: { ...e.data, message: r(e.data.message, 'message'), metadata: obj(e.data.metadata, r, 'metadata') } } : e;
      case 'session_event':
        return r ? { ...e, data: { ...e.data, payload: obj(e.data.payload, r, 'payload') ?? {} } } : e;
      default:
        return e;
    }
  };
}
