import type { AnalysisVerdict, JsonValue } from '../events/types.js';
import { isSafeParseSchema, type AnalysisSchema, type JsonSchemaObject } from './options.js';

/** What an answer of the analysis LLM says, read and checked. */
export interface ReadAnswer {
  summary: string | null;
  verdict: AnalysisVerdict | null;
  verdictReason: string | null;
  fields: JsonValue;
  fieldsValid: boolean | null;
  fieldsErrors: string[] | null;
  /** Something in the answer was invalid (the raw text is then kept). */
  invalid: boolean;
}

/** The JSON object in an answer: the whole text, or inside code fences, or from its first `{` to its last `}`. */
export function jsonObjectOf(text: string): Record<string, unknown> | null {
  const candidates = [text.trim()];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fenced) candidates.push(fenced[1]!.trim());
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  if (first >= 0 && last > first) candidates.push(text.slice(first, last + 1));
  for (const c of candidates) {
    try {
      const v: unknown = JSON.parse(c);
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // the next candidate
    }
  }
  return null;
}

const VERDICTS = new Set(['pass', 'fail', 'unclear']);
const textOrNull = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/** A JSON Schema validator (ajv 6, draft-07), compiled once per schema object. */
type Validate = ((data: unknown) => boolean) & { errors?: Array<{ dataPath?: string; message?: string }> | null };
const compiled = new WeakMap<object, Validate>();

/** Compiles a JSON Schema (once per object). */
export async function jsonSchemaValidator(schema: JsonSchemaObject): Promise<Validate> {
  const known = compiled.get(schema);
  if (known) return known;
  const { default: Ajv } = await import('ajv');
  const validate = new Ajv({ allErrors: true }).compile(schema) as Validate;
  compiled.set(schema, validate);
  return validate;
}

/** Checks `fields` against the schema: the data to keep (zod's output when valid) and the problems, one line each. */
export async function checkFields(schema: AnalysisSchema, fields: unknown): Promise<{ data: unknown; errors: string[] }> {
  if (isSafeParseSchema(schema)) {
    const r = schema.safeParse(fields);
    if (r.success) return { data: r.data === undefined ? fields : r.data, errors: [] };
    const issues = r.error?.issues ?? [];
    const errors = issues.map((i) => `${(i.path ?? []).map(String).join('.') || '(root)'}: ${i.message ?? 'invalid'}`);
    return { data: fields, errors: errors.length ? errors : ['does not match the schema'] };
  }
  const validate = await jsonSchemaValidator(schema);
  if (validate(fields)) return { data: fields, errors: [] };
  return { data: fields, errors: (validate.errors ?? []).map((e) => `${e.dataPath || '(root)'}: ${e.message ?? 'invalid'}`) };
}

/** Plain JSON of a value (what zod returned may hold dates or undefined): through JSON and back. */
const plainJson = (v: unknown): JsonValue => (v === undefined ? null : (JSON.parse(JSON.stringify(v) ?? 'null') as JsonValue));

/**
 * Reads an answer's JSON object: the summary and reason as strings, the verdict one of `pass`,
 * `fail`, `unclear` (else null, and the answer invalid), the fields checked against `schema`.
 */
export async function readAnswer(
  answer: Record<string, unknown>,
  want: { summary: boolean; verdict: boolean; schema: AnalysisSchema | null },
): Promise<ReadAnswer> {
  let invalid = false;
  const summary = want.summary ? textOrNull(answer['summary']) : null;
  let verdict: AnalysisVerdict | null = null;
  let verdictReason: string | null = null;
  if (want.verdict) {
    const v = typeof answer['verdict'] === 'string' ? answer['verdict'].trim().toLowerCase() : null;
    if (v !== null && VERDICTS.has(v)) verdict = v as AnalysisVerdict;
    else invalid = true;
    verdictReason = textOrNull(answer['reason']) ?? textOrNull(answer['verdictReason']);
  }
  let fields: JsonValue = null;
  let fieldsValid: boolean | null = null;
  let fieldsErrors: string[] | null = null;
  if (want.schema !== null) {
    const given = answer['fields'] === undefined ? null : answer['fields'];
    const checked = await checkFields(want.schema, given);
    fieldsValid = checked.errors.length === 0;
    fields = plainJson(fieldsValid ? checked.data : given);
    if (!fieldsValid) {
      fieldsErrors = checked.errors.slice(0, 50);
      invalid = true;
    }
  }
  return { summary, verdict, verdictReason, fields, fieldsValid, fieldsErrors, invalid };
}
