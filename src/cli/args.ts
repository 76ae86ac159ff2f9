import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';
import { nearest } from './suggest.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command takes. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  config: { type: 'string' },
  'database-url': { type: 'string' },
} as const satisfies Options;

/** A command's parsed flags and positional arguments. */
export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses a command's arguments; unknown flags, missing values and extra arguments are usage
 * errors that say what is wrong and, for a mistyped flag, the nearest one ("did you mean --since?").
 */
export function parse(argv: string[], options: Options, positionals = 0): Parsed {
  const all: Options = { ...COMMON_OPTIONS, ...options };
  let out: Parsed;
  try {
    out = parseArgs({ args: argv, options: all, allowPositionals: true, strict: true }) as Parsed;
  } catch (error) {
    throw new UsageError(usageMessage(error as NodeJS.ErrnoException, all));
  }
  if (out.positionals.length > positionals && !out.values['help'])
    throw new UsageError(`unexpected argument "${out.positionals[positionals]}"`);
  return out;
}

/** Node's `parseArgs` error, said for a person. */
function usageMessage(error: NodeJS.ErrnoException, options: Options): string {
  const text = error.message;
  const name = /'(-{1,2}[A-Za-z0-9-]+)/.exec(text)?.[1] ?? '';
  const long = (n: string) =>
    n.startsWith('--') ? n : `--${Object.entries(options).find(([, o]) => o.short === n.slice(1))?.[0] ?? n.slice(1)}`;
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const guess = name.startsWith('--') ? nearest(name.slice(2).split('=')[0]!, Object.keys(options)) : undefined;
      return `unknown option ${name}${guess ? ` (did you mean --${guess}?)` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = long(name);
      const def = options[flag.slice(2)];
      return def?.type === 'boolean' ? `${flag} takes no value` : `${flag} needs a value: ${flag} <value>`;
    }
    default:
      return text.replace(/^TypeError \[[A-Z_]+\]: /, '');
  }
}

/** A string flag's value. */
export const flag = (p: Parsed, name: string): string | undefined => {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
};

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30m`, `24h`, `7d`, `2w` as milliseconds. */
export function parseDuration(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(value.trim());
  if (!m) throw new UsageError(`--${flag} must be a duration like 30m, 24h or 7d, got "${value}"`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** `--since`: a duration back from now (`24h`) or an ISO date/time (`2026-11-01`, UTC). Returns ms UTC. */
export function parseSince(value: string, now = Date.now()): number {
  if (/^\d+(?:\.\d+)?[smhdw]$/.test(value.trim())) return now - parseDuration('since', value);
  // Only ISO 8601 (Date.parse alone takes almost anything: "x' OR '1'='1" is a date in 2001).
  // Without a zone it is UTC.
  const m = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(value.trim());
  const t = m ? Date.parse(`${m[1]}${m[2] ?? 'T00:00:00'}${m[3] ?? 'Z'}`) : Number.NaN;
  if (Number.isNaN(t)) throw new UsageError(`--since must be a duration (24h, 7d) or an ISO date (2026-11-01), got "${value}"`);
  return t;
}

/** A positive number flag (integer when `integer`). */
export function parsePositive(flag: string, value: string | undefined, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`);
  return n;
}

/** One of `choices`. */
export function parseChoice<T extends string>(flag: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value))
    throw new UsageError(`--${flag} must be one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
}
