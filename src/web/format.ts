/** Formatting for display. Every function returns plain text. */

const pad = (n: number) => String(n).padStart(2, '0');

/** `2025-11-25 14:03:22` in the viewer's time zone. */
export function fmtTime(ms: number | null): string {
  if (ms === null) return '—';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Time since the call started: `t+0:12`, `t+12:05`, `t+1:02:03`. */
export function fmtOffset(ms: number, start: number): string {
  const total = Math.max(0, Math.round((ms - start) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = pad(total % 60);
  return h > 0 ? `t+${h}:${pad(m)}:${sec}` : `t+${m}:${sec}`;
}

/** `2025-11-25 14:03:22 UTC`. */
export function fmtUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `14:03` (or `11-25 14:03` when `withDate`). */
export function fmtClock(ms: number, withDate = false): string {
  const d = new Date(ms);
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return withDate ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock}` : clock;
}

/** `2025-11-25` of a UTC day start. */
export function fmtUtcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `840 ms`, `1.24 s`. */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** `3m 12s`, `45s`, `1h 02m`. */
export function fmtDuration(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}

/** `$0.0123`, `$12.40`. */
export function fmtUsd(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (v === 0) return '$0';
  return Math.abs(v) >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(4)}`;
}

/**
 * A cost that may be incomplete: `unknown` when nothing was priced but some usage had no known
 * price, `$0.0123 + unpriced` when some was priced and some was not, else the amount.
 */
export function fmtCost(usd: number | null | undefined, unpricedUsage: number): string {
  if (unpricedUsage > 0) return usd ? `${fmtUsd(usd)} + unpriced` : 'unknown';
  return fmtUsd(usd);
}

export function fmtPct(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${v.toFixed(v === 100 || v === 0 ? 0 : 1)}%`;
}

export function fmtInt(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '—';
  // A total past 2^53 arrives as exact digits: BigInt keeps them.
  return typeof v === 'string' ? BigInt(v).toLocaleString('en-US') : Math.round(v).toLocaleString('en-US');
}

/** Pretty JSON when `text` is JSON, else `text` as it is. */
export function prettyJson(text: string | null): string {
  if (text === null) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The anchor id of a message on its call page (`/calls/<id>#m-<message id>`), where search matches link. */
export const messageAnchor = (messageId: string): string => `m-${encodeURIComponent(messageId)}`;
