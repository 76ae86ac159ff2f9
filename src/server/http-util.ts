import type { ServerResponse } from 'node:http';
import { isConversationLogError } from '../errors.js';

/** An error with the HTTP status to answer with; its message is shown to the client. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** The HTTP answer for an error: its own status, 400 for invalid arguments and search queries, else 500 (without details). */
export function errorStatus(error: unknown): { status: number; message: string } {
  if (error instanceof HttpError) return { status: error.status, message: error.message };
  if (isConversationLogError(error) && (error.code === 'INVALID_ARGUMENT' || error.code === 'INVALID_SEARCH_QUERY'))
    return { status: 400, message: error.message };
  return { status: 500, message: 'Internal error; see the server log.' };
}

/** Typed, validated access to a query string. Invalid values throw {@link HttpError} 400. */
export class QueryParams {
  constructor(private readonly params: URLSearchParams) {}

  string(name: string, max = 255): string | undefined {
    const v = this.params.get(name);
    if (v === null || v === '') return undefined;
    if (v.length > max) throw new HttpError(400, `${name} is longer than ${max} characters.`);
    return v;
  }

  number(name: string, min = -Number.MAX_VALUE, max = Number.MAX_VALUE): number | undefined {
    const v = this.string(name, 64);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new HttpError(400, `${name} must be a number in ${min}–${max}, got "${v}".`);
    return n;
  }

  int(name: string, min: number, max: number): number | undefined {
    const n = this.number(name, min, max);
    if (n !== undefined && !Number.isSafeInteger(n)) throw new HttpError(400, `${name} must be a whole number.`);
    return n;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.string(name, 64);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) throw new HttpError(400, `${name} must be one of ${allowed.join(', ')}.`);
    return v as T;
  }
}
