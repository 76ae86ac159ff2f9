/**
 * An energy voice-activity detector for one channel of a recording: frame RMS against a
 * threshold set from the channel's own noise floor, with a hangover that bridges the short
 * gaps inside speech (between words, stop consonants).
 */

/** A stretch of speech on one channel, in ms from the recording's first sample. */
export interface SpeechSegment {
  startMs: number;
  endMs: number;
}

export interface VadOptions {
  /** Frame length (ms, default 5): the resolution of each boundary. */
  frameMs?: number;
  /** Speech is this far above the channel's noise floor (dB, default 15). */
  aboveFloorDb?: number;
  /**
   * …and never quieter than this (dBFS, default −45): digital silence has no floor to speak of,
   * and Opus smears a plosive's burst into the next 20–30 ms at around −50 dBFS.
   */
  minLevelDb?: number;
  /** Gaps of silence up to this long stay inside one segment (ms, default 250). */
  hangoverMs?: number;
  /** Segments shorter than this are clicks, not speech (ms, default 40). */
  minSpeechMs?: number;
}

const DB_FLOOR = -100;

/** Per-frame level in dBFS (RMS of the frame's samples, full scale = 32768). */
export function frameLevels(samples: Int16Array, sampleRate: number, frameMs = 5): Float64Array {
  const size = Math.max(1, Math.round((sampleRate * frameMs) / 1000));
  const frames = Math.floor(samples.length / size);
  const out = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let i = f * size; i < (f + 1) * size; i++) {
      const x = samples[i]! / 32768;
      sum += x * x;
    }
    const rms = Math.sqrt(sum / size);
    out[f] = rms > 0 ? Math.max(DB_FLOOR, 20 * Math.log10(rms)) : DB_FLOOR;
  }
  return out;
}

/** The channel's noise floor: the 10th percentile of its frame levels (dBFS). */
export function noiseFloorDb(levels: Float64Array): number {
  if (levels.length === 0) return DB_FLOOR;
  const sorted = Float64Array.from(levels).sort();
  return sorted[Math.floor(sorted.length * 0.1)]!;
}

/**
 * The speech segments of one channel.
 *
 * @example
 * ```ts
 * const audio = await decodeToPcm('call.ogg');
 * const user = detectSpeech(audio.channels[0]!, audio.sampleRate);
 * ```
 */
export function detectSpeech(samples: Int16Array, sampleRate: number, options: VadOptions = {}): SpeechSegment[] {
  const frameMs = options.frameMs ?? 5;
  const levels = frameLevels(samples, sampleRate, frameMs);
  const threshold = Math.max(noiseFloorDb(levels) + (options.aboveFloorDb ?? 15), options.minLevelDb ?? -45);
  const hangover = options.hangoverMs ?? 250;
  const minSpeech = options.minSpeechMs ?? 40;
  const size = Math.max(1, Math.round((sampleRate * frameMs) / 1000));
  const ms = (frame: number) => (frame * size * 1000) / sampleRate;
  const segments: SpeechSegment[] = [];
  let open: SpeechSegment | null = null;
  for (let f = 0; f < levels.length; f++) {
    if (levels[f]! < threshold) continue;
    const start = ms(f);
    const end = ms(f + 1);
    if (open && start - open.endMs <= hangover) open.endMs = end;
    else {
      if (open) segments.push(open);
      open = { startMs: start, endMs: end };
    }
  }
  if (open) segments.push(open);
  return segments.filter((s) => s.endMs - s.startMs >= minSpeech);
}
