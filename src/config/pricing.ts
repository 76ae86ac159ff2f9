/**
 * A versioned pricing table and the cost of each usage record.
 *
 * @remarks
 * Prices are in USD. LLM and realtime models are priced per million input, cached input and
 * output tokens; STT per minute of audio; TTS per million characters. A model that is not in
 * the table costs `null` — unknown, never 0 and never a guess — and every cost is stored with
 * the table's `version`. Pass your own table (or entries over the default) in the config;
 * keys are model names as LiveKit reports them (`metrics.metadata.modelName`), optionally
 * prefixed by the provider (`openai/gpt-4o`), which is tried first.
 */
export interface TokenPrice {
  inputPerMTok: number;
  /** Defaults to `inputPerMTok` when the provider has no cache discount. */
  cachedInputPerMTok?: number;
  outputPerMTok: number;
}

export interface PricingTable {
  version: string;
  llm: Record<string, TokenPrice>;
  realtime: Record<string, TokenPrice>;
  /** USD per minute of audio. */
  stt: Record<string, { perMinute: number }>;
  /** USD per million characters. */
  tts: Record<string, { perMChars: number }>;
}

/** List prices as published by the providers on 2026-11-01 (check yours; override in agent.config.ts). */
export const DEFAULT_PRICING: PricingTable = {
  version: 'default-2026-11-01',
  llm: {
    'gpt-4o': { inputPerMTok: 2.5, cachedInputPerMTok: 1.25, outputPerMTok: 10 },
    'gpt-4o-mini': { inputPerMTok: 0.15, cachedInputPerMTok: 0.075, outputPerMTok: 0.6 },
    'gpt-4.1': { inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8 },
    'gpt-4.1-mini': { inputPerMTok: 0.4, cachedInputPerMTok: 0.1, outputPerMTok: 1.6 },
    'gpt-4.1-nano': { inputPerMTok: 0.1, cachedInputPerMTok: 0.025, outputPerMTok: 0.4 },
    'claude-3-5-haiku-latest': { inputPerMTok: 0.8, cachedInputPerMTok: 0.08, outputPerMTok: 4 },
    'claude-sonnet-4-0': { inputPerMTok: 3, cachedInputPerMTok: 0.3, outputPerMTok: 15 },
    'gemini-2.0-flash': { inputPerMTok: 0.1, cachedInputPerMTok: 0.025, outputPerMTok: 0.4 },
  },
  realtime: {
    'gpt-4o-realtime-preview': { inputPerMTok: 5, cachedInputPerMTok: 2.5, outputPerMTok: 20 },
    'gpt-realtime': { inputPerMTok: 4, cachedInputPerMTok: 0.4, outputPerMTok: 16 },
  },
  stt: {
    'nova-3': { perMinute: 0.0043 },
    'nova-2': { perMinute: 0.0043 },
    'whisper-1': { perMinute: 0.006 },
    'gpt-4o-transcribe': { perMinute: 0.006 },
  },
  tts: {
    'sonic-2': { perMChars: 30 },
    'tts-1': { perMChars: 15 },
    eleven_flash_v2_5: { perMChars: 50 },
  },
};

/** The default table with `override`'s entries on top (and its version, if it has one). */
export function mergePricing(override: Partial<PricingTable> | undefined, base = DEFAULT_PRICING): PricingTable {
  if (!override) return base;
  return {
    version: override.version ?? `${base.version}+custom`,
    llm: { ...base.llm, ...override.llm },
    realtime: { ...base.realtime, ...override.realtime },
    stt: { ...base.stt, ...override.stt },
    tts: { ...base.tts, ...override.tts },
  };
}

/**
 * Prices already looked up, per table, provider and model: a metrics event's price is found by
 * two map reads instead of building and hashing `provider/model` (this runs in the session's
 * listener). A table is read once per pair, so entries added to it later are not seen.
 */
const resolved = new WeakMap<object, Map<string, Map<string, unknown>>>();
const MAX_RESOLVED = 1024;

function lookup<T>(table: Record<string, T>, provider: string | null, model: string | null): T | null {
  if (!model) return null;
  let byProvider = resolved.get(table);
  if (!byProvider) resolved.set(table, (byProvider = new Map<string, Map<string, unknown>>()));
  const p = provider ?? '';
  let byModel = byProvider.get(p);
  if (!byModel) {
    if (byProvider.size >= MAX_RESOLVED) byProvider.clear();
    byProvider.set(p, (byModel = new Map<string, unknown>()));
  }
  const known = byModel.get(model);
  if (known !== undefined) return known as T | null;
  const price =
    provider && Object.hasOwn(table, `${provider}/${model}`)
      ? table[`${provider}/${model}`]!
      : Object.hasOwn(table, model)
        ? table[model]!
        : null;
  if (byModel.size >= MAX_RESOLVED) byModel.clear();
  byModel.set(model, price);
  return price;
}

const tokenCost = (p: TokenPrice, input: number, cached: number, output: number): number => {
  const uncached = Math.max(0, input - cached);
  return (uncached * p.inputPerMTok + cached * (p.cachedInputPerMTok ?? p.inputPerMTok) + output * p.outputPerMTok) / 1e6;
};

export type UsageKind = 'llm' | 'realtime' | 'stt' | 'tts';

export interface Usage {
  kind: UsageKind;
  provider: string | null;
  model: string | null;
  tokensInput?: number | null;
  tokensCachedInput?: number | null;
  tokensOutput?: number | null;
  audioDurationMs?: number | null;
  characters?: number | null;
}

/** Cost in USD of one usage record, or null when the model's price is unknown. */
export function costOf(table: PricingTable, u: Usage): number | null {
  switch (u.kind) {
    case 'llm':
    case 'realtime': {
      const p = lookup(u.kind === 'llm' ? table.llm : table.realtime, u.provider, u.model);
      return p ? tokenCost(p, u.tokensInput ?? 0, u.tokensCachedInput ?? 0, u.tokensOutput ?? 0) : null;
    }
    case 'stt': {
      const p = lookup(table.stt, u.provider, u.model);
      return p ? ((u.audioDurationMs ?? 0) / 60_000) * p.perMinute : null;
    }
    case 'tts': {
      const p = lookup(table.tts, u.provider, u.model);
      return p ? ((u.characters ?? 0) * p.perMChars) / 1e6 : null;
    }
  }
}
