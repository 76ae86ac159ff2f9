/** Text output of `convlog`: tables that fit the terminal, numbers as people read them. */
import { styleText } from 'node:util';

/** Colours of marks: failures red, SLA breaches and warnings yellow. */
export type Tone = 'fail' | 'warn';

/** Paints text in a tone, or leaves it as it is when colour is off. */
export type Paint = (tone: Tone | undefined, text: string) => string;

/** No colour. */
export const plain: Paint = (_tone, text) => text;

/**
 * Colour on a terminal only: never into a pipe or a file, never with `NO_COLOR` set (no-color.org)
 * or `TERM=dumb`.
 */
export function paintFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Paint {
  if (stream.isTTY !== true || (env['NO_COLOR'] ?? '') !== '' || env['TERM'] === 'dumb') return plain;
  return (tone, text) => (tone === undefined || text === '' ? text : styleText(tone === 'fail' ? 'red' : 'yellow', text));
}

/** Matched words of a search in bold yellow on a terminal; as they are otherwise (same rules as {@link paintFor}). */
export function highlighterFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): (text: string) => string {
  if (paintFor(stream, env) === plain) return (text) => text;
  // Whether to paint was decided above, for this stream: styleText is not to check process.stdout again.
  const options = { validateStream: false };
  return (text) => (text === '' ? text : styleText('bold', styleText('yellow', text, options), options));
}

/**
 * Columns to lay text out in: the terminal's width, else `COLUMNS`, else 80 (never under 40).
 */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): number {
  const fromEnv = Number(env['COLUMNS']);
  const w = stream.isTTY && stream.columns && stream.columns > 0 ? stream.columns : Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80;
  return Math.max(40, w);
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
  /** Longest the column may be; longer values are cut with "…". Ids have none: they are never cut. */
  max?: number;
  /** May be narrowed (values cut with "…") so that the table fits its width. */
  flex?: boolean;
  /**
   * May be left out when the table does not fit even with its flexible columns narrowed: the
   * lowest number goes first. Lets unbreakable columns (ids) stay whole on a narrow terminal.
   */
  optional?: number;
  /** The colour of a cell (failures, SLA breaches), when colour is on. */
  tone?: (row: T) => Tone | undefined;
}

/** Cuts `s` to `n` characters, ending with "…" when it was longer. */
export const cut = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, Math.max(0, n - 1))}…`);

/**
 * A plain-text table: one header row, columns two spaces apart, each as wide as its widest cell;
 * when that is wider than `width`, the `flex` columns give up characters (cut with "…").
 */
export function table<T>(rows: readonly T[], all: readonly Column<T>[], width = 80, paint: Paint = plain): string {
  let columns = all;
  const natural = (c: Column<T>) =>
    Math.max(c.header.length, ...rows.map((r) => (c.flex ? c.header.length : Math.min(oneLine(c.value(r)).length, c.max ?? Infinity))));
  const minimum = (cols: readonly Column<T>[]) => cols.reduce((a, c) => a + natural(c), 0) + 2 * (cols.length - 1);
  const droppable = [...all].filter((c) => c.optional !== undefined).sort((a, b) => a.optional! - b.optional!);
  while (minimum(columns) > width && droppable.length > 0) {
    const gone = droppable.shift();
    columns = columns.filter((c) => c !== gone);
  }
  const cells = rows.map((r) => columns.map((c) => (c.max === undefined ? oneLine(c.value(r)) : cut(oneLine(c.value(r)), c.max))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  let over = widths.reduce((a, b) => a + b, 0) + 2 * (columns.length - 1) - width;
  while (over > 0) {
    // Narrow the widest flexible column by one, down to its header.
    let widest = -1;
    columns.forEach((c, i) => {
      if (c.flex && widths[i]! > c.header.length && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    });
    if (widest < 0) break;
    widths[widest]!--;
    over--;
  }
  const line = (vals: string[], row?: T) =>
    vals
      .map((v, i) => cut(v, widths[i]!))
      .map((v, i) => {
        const padded = columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!);
        const tone = row === undefined ? undefined : columns[i]!.tone?.(row);
        // Paint the text, not the padding, so colour never changes the layout.
        return tone === undefined ? padded : padded.replace(v, paint(tone, v));
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map((c, i) => line(c, rows[i]))].join('\n') + '\n';
}

/** Control characters and line breaks out of a table cell or a one-line summary. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const oneLine = (s: string): string => s.replace(/[\u0000-\u001f\u007f]+/g, ' ');

/** Wraps `text` to `width` columns, each line after the first indented by `indent` spaces. */
export function wrap(text: string, width: number, indent: number): string {
  const words = oneLine(text).split(' ');
  const lines: string[] = [];
  let line = '';
  const room = Math.max(10, width - indent);
  for (const w of words) {
    for (let word = w; word.length > 0;) {
      if (line.length === 0 && word.length > room) {
        lines.push(word.slice(0, room));
        word = word.slice(room);
        continue;
      }
      if (line.length + (line ? 1 : 0) + word.length > room) {
        lines.push(line);
        line = '';
        continue;
      }
      line = line ? `${line} ${word}` : word;
      word = '';
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

export const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : `${Math.round(v)} ms`);
export const usd = (v: number | null | undefined, digits = 4): string => (v === null || v === undefined ? '-' : `$${v.toFixed(digits)}`);
export const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : `${(v * 100).toFixed(1)}%`);
/** `2026-11-25 03:18:04` (UTC). */
export const utc = (t: number | null | undefined): string =>
  t === null || t === undefined ? '-' : new Date(t).toISOString().replace('T', ' ').slice(0, 19);
export const duration = (v: number | null | undefined): string => {
  if (v === null || v === undefined) return '-';
  const s = Math.round(v / 1000);
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
};

/** Writes `value` as indented JSON (for `--json`). */
export const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
