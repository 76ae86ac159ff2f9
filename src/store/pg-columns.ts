/**
 * The column arrays of a batch statement on PostgreSQL, sent as one delimited text each and split
 * on the server (`string_to_array`), instead of node-postgres's array literals: a literal quotes
 * and escapes every element (two regex replaces of each string, a JSON document full of quotes
 * being the common case) and grows the literal by concatenation, about two thirds of what the
 * writer allocated per event. A joined text is one allocation and needs no escaping: the
 * delimiter is a control character chosen per statement so no value holds it (JSON never holds
 * a raw control character; any other text is checked), and NULL is another that no value equals.
 *
 * A statement's parameters are then `$1` the delimiter, `$2` the NULL marker, and one text per
 * column (`$3`, `$4`, …), each opened by a delimiter so a single empty string stays one element
 * (`string_to_array('', d)` is an empty array; the first, empty, element is sliced off).
 */

/** Delimiters tried in turn: control characters no JSON text holds raw and hardly any speech. */
const DELIMITERS = ['\x1e', '\x1d', '\x1c'];
/** NULL markers tried in turn (a marker is compared with whole elements). */
const NULL_MARKERS = ['\x1f'];

/** `(string_to_array($<n>, $1, $2))[2:]::<type>[]`: column `index` (0-based) of a packed statement. */
export const packedColumn = (index: number, type: string): string => `(string_to_array($${index + 3}, $1, $2))[2:]::${type}[]`;

/**
 * An element as PostgreSQL's input function reads it, null for SQL NULL: a string as it is, a
 * number left for `join` to write (no string of its own per element), anything else its text.
 */
function textOf(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'number':
      return value;
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return value instanceof Date ? value.toISOString() : JSON.stringify(value);
  }
}

/**
 * The first candidate that `fits` every text: the fixed ones, then `<open><n><close>` for
 * n = 0, 1, … (a text is finite, so one fits). Every delimiter has no border (no proper prefix
 * equal to a suffix), so the leftmost match of it in a joined text is always a real boundary.
 */
function choose(
  fixed: readonly string[],
  [open, close]: readonly [string, string],
  texts: ReadonlyArray<string | number | null>,
  fits: (text: string, c: string) => boolean,
): string {
  const all = (c: string) => texts.every((t) => typeof t !== 'string' || fits(t, c));
  for (const c of fixed) if (all(c)) return c;
  for (let n = 0; ; n++) if (all(`${open}${n}${close}`)) return `${open}${n}${close}`;
}

/**
 * The parameters of a packed statement for `rows` (positional, every row as wide as the first):
 * the delimiter, the NULL marker, then each column's texts joined.
 */
export function packColumns(rows: ReadonlyArray<readonly unknown[]>): string[] {
  const width = rows[0]!.length;
  const columns: Array<Array<string | number | null>> = [];
  // The first delimiter and marker fit unless some text holds them (checked as the texts are made).
  let clash = false;
  for (let c = 0; c < width; c++) {
    const column = new Array<string | number | null>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const text = textOf(rows[r]![c]);
      if (typeof text === 'string' && (text.includes(DELIMITERS[0]!) || text === NULL_MARKERS[0])) clash = true;
      column[r] = text;
    }
    columns.push(column);
  }
  let delimiter = DELIMITERS[0]!;
  let marker = NULL_MARKERS[0]!;
  if (clash) {
    const all = columns.flat();
    delimiter = choose(DELIMITERS, ['\x1e', '\x1d'], all, (t, d) => !t.includes(d));
    marker = choose(NULL_MARKERS, ['\x1f', '\x1f'], all, (t, m) => t !== m && !m.includes(delimiter));
  }
  const params = [delimiter, marker];
  for (const column of columns) {
    for (let r = 0; r < column.length; r++) if (column[r] === null) column[r] = marker;
    params.push(delimiter + column.join(delimiter));
  }
  return params;
}
