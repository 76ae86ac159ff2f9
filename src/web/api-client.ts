import { browser } from './dom.js';

/** An API answer that was not 2xx, with the server's message. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** GETs a dashboard API path and returns its JSON. Only GET exists: the dashboard is read-only. */
export async function getJson<T>(path: string): Promise<T> {
  const res = await browser.fetch(path, { headers: { Accept: 'application/json' } });
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) {
    const message =
      res.status === 401
        ? 'This dashboard needs a token: open its address with ?token=<your token> once.'
        : (body.error ?? `HTTP ${res.status}`);
    throw new ApiError(res.status, message);
  }
  return body as T;
}

/** Builds `path?k=v&…`, leaving out empty values. */
export function withQuery(path: string, params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `${path}?${text}` : path;
}
