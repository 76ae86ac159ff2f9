/**
 * Scripted speech providers and audio I/O for a real `voice.AgentSession` without a LiveKit
 * server: implementations of @livekit/agents' own abstract classes (`stt.STT`, `tts.TTS`,
 * `voice.AudioInput`, `voice.AudioOutput`), used by `npm run demo` and the end-to-end tests.
 */
import { AudioFrame } from '@livekit/rtc-node';
import { DEFAULT_API_CONNECT_OPTIONS, stt, tts, voice, type APIConnectOptions } from '@livekit/agents';
import { ReadableStream, type ReadableStreamDefaultController } from 'node:stream/web';

const SAMPLE_RATE = 16_000;
const FRAME_MS = 20;
const silentFrame = (sampleRate: number, ms = FRAME_MS) => {
  const samples = Math.floor((sampleRate * ms) / 1000);
  return new AudioFrame(new Int16Array(samples), sampleRate, 1, samples);
};
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One scripted user utterance, timed on the audio clock (ms of audio pushed so far). */
export interface Utterance {
  startMs: number;
  endMs: number;
  transcript: string;
  confidence: number;
  /** Wall-clock lag of the final transcript after the end of speech. */
  sttDelayMs: number;
  language?: string;
}

/**
 * A streaming `stt.STT` that "hears" scripted utterances on the audio clock: start of speech,
 * an interim, the final transcript with its confidence, end of speech and usage — the events a
 * real streaming provider sends, so the session's own STT and EOU metrics flow.
 */
export class ScriptedSTT extends stt.STT {
  label = 'scripted-stt';
  constructor(readonly utterances: Utterance[]) {
    super({ streaming: true, interimResults: true });
  }
  override get model(): string {
    return 'nova-3';
  }
  override get provider(): string {
    return 'deepgram';
  }
  protected async _recognize(): Promise<stt.SpeechEvent> {
    throw new Error('ScriptedSTT only streams');
  }
  stream(options?: { connOptions?: APIConnectOptions }): stt.SpeechStream {
    return new ScriptedSpeechStream(this, this.utterances, options?.connOptions);
  }
}

class ScriptedSpeechStream extends stt.SpeechStream {
  label = 'scripted-stt.stream';
  constructor(
    sttImpl: ScriptedSTT,
    private readonly utterances: Utterance[],
    connOptions?: APIConnectOptions,
  ) {
    super(sttImpl, SAMPLE_RATE, connOptions ?? DEFAULT_API_CONNECT_OPTIONS);
  }

  private event(type: stt.SpeechEventType, u?: Utterance, text?: string): stt.SpeechEvent {
    return {
      type,
      ...(u && text !== undefined
        ? {
            alternatives: [
              {
                text,
                language: (u.language ?? 'en') as never,
                startTime: u.startMs / 1000,
                endTime: u.endMs / 1000,
                confidence: u.confidence,
              },
            ],
          }
        : {}),
    };
  }

  protected async run(): Promise<void> {
    let audioMs = 0;
    let next = 0;
    let state: 'idle' | 'speaking' | 'interim' = 'idle';
    const pending: Promise<void>[] = [];
    for await (const data of this.input) {
      if (data === ScriptedSpeechStream.FLUSH_SENTINEL) continue;
      audioMs += (data.samplesPerChannel / data.sampleRate) * 1000;
      const u = this.utterances[next];
      if (!u) continue;
      if (state === 'idle' && audioMs >= u.startMs) {
        this.queue.put(this.event(stt.SpeechEventType.START_OF_SPEECH));
        state = 'speaking';
      }
      if (state === 'speaking' && audioMs >= (u.startMs + u.endMs) / 2) {
        this.queue.put(this.event(stt.SpeechEventType.INTERIM_TRANSCRIPT, u, u.transcript.split(' ').slice(0, 2).join(' ')));
        state = 'interim';
      }
      if (state !== 'idle' && audioMs >= u.endMs) {
        state = 'idle';
        next++;
        const speechEndTime = Date.now();
        pending.push(
          sleep(u.sttDelayMs).then(() => {
            if (this.closed) return;
            this.queue.put(this.event(stt.SpeechEventType.FINAL_TRANSCRIPT, u, u.transcript));
            this.queue.put({ type: stt.SpeechEventType.END_OF_SPEECH, speechEndTime });
            this.queue.put({
              type: stt.SpeechEventType.RECOGNITION_USAGE,
              recognitionUsage: { audioDuration: (u.endMs - u.startMs) / 1000 },
            });
          }),
        );
      }
    }
    await Promise.all(pending);
  }
}

/**
 * A streaming `tts.TTS` that answers each flushed text segment after `ttfbMs` with 20 ms
 * frames (one per four characters), as a streaming provider would.
 */
export class ScriptedTTS extends tts.TTS {
  label = 'scripted-tts';
  constructor(readonly ttfbMs = 120) {
    super(24_000, 1, { streaming: true });
  }
  override get model(): string {
    return 'sonic-2';
  }
  override get provider(): string {
    return 'cartesia';
  }
  synthesize(): tts.ChunkedStream {
    throw new Error('ScriptedTTS only streams');
  }
  stream(options?: { connOptions?: APIConnectOptions }): tts.SynthesizeStream {
    return new ScriptedSynthesizeStream(this, options?.connOptions ?? DEFAULT_API_CONNECT_OPTIONS);
  }
}

class ScriptedSynthesizeStream extends tts.SynthesizeStream {
  label = 'scripted-tts.stream';
  constructor(
    private readonly owner: ScriptedTTS,
    connOptions: APIConnectOptions,
  ) {
    super(owner, connOptions);
  }

  protected async run(): Promise<void> {
    let text = '';
    let segment = 0;
    const emit = async () => {
      if (!text.trim()) return;
      this.markStarted();
      await sleep(this.owner.ttfbMs);
      const frames = Math.max(3, Math.ceil(text.length / 4));
      const requestId = `req-${segment}`;
      for (let i = 0; i < frames; i++) {
        if (this.abortSignal.aborted) return;
        this.queue.put({
          requestId,
          segmentId: `seg-${segment}`,
          frame: silentFrame(24_000),
          final: i === frames - 1,
          ...(i === 0 ? { deltaText: text } : {}),
        });
      }
      text = '';
      segment++;
    };
    for await (const input of this.input) {
      if (this.abortSignal.aborted) break;
      if (input === ScriptedSynthesizeStream.FLUSH_SENTINEL) await emit();
      else text += input;
    }
    await emit();
    this.queue.put(ScriptedSynthesizeStream.END_OF_STREAM);
  }
}

/** An `AudioInput` that pushes silent 20 ms frames in real time until stopped. */
export class PacedAudioInput extends voice.AudioInput {
  readonly #controller: ReadableStreamDefaultController<AudioFrame>;
  #timer: NodeJS.Timeout | null = null;

  constructor() {
    super();
    let controller!: ReadableStreamDefaultController<AudioFrame>;
    this.multiStream.addInputStream(new ReadableStream<AudioFrame>({ start: (c) => void (controller = c) }));
    this.#controller = controller;
  }

  start(): void {
    this.#timer = setInterval(() => {
      try {
        this.#controller.enqueue(silentFrame(SAMPLE_RATE));
      } catch {
        this.stop();
      }
    }, FRAME_MS);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}

/**
 * An `AudioOutput` that "plays" frames in real time: playback starts with the first frame of a
 * segment and finishes when its audio has played; `clearBuffer` (an interruption) stops it.
 */
export class PlayoutAudioOutput extends voice.AudioOutput {
  private segmentMs = 0;
  private playing = false;
  private finishTimer: NodeJS.Timeout | null = null;
  private startedAt = 0;

  constructor() {
    super(24_000);
  }

  override async captureFrame(frame: AudioFrame): Promise<void> {
    const before = this.capturedPlayoutSegments;
    await super.captureFrame(frame);
    if (this.capturedPlayoutSegments !== before) {
      this.segmentMs = 0;
      this.playing = true;
      this.startedAt = Date.now();
      this.onPlaybackStarted(this.startedAt);
    }
    this.segmentMs += (frame.samplesPerChannel / frame.sampleRate) * 1000;
  }

  override flush(): void {
    super.flush();
    if (!this.playing) return;
    const remaining = Math.max(0, this.startedAt + this.segmentMs - Date.now());
    this.finishTimer = setTimeout(() => this.finish(false), remaining);
  }

  clearBuffer(): void {
    if (!this.playing) return;
    this.finish(true);
  }

  private finish(interrupted: boolean): void {
    if (this.finishTimer) clearTimeout(this.finishTimer);
    this.finishTimer = null;
    if (!this.playing) return;
    this.playing = false;
    const played = Math.min(this.segmentMs, Date.now() - this.startedAt) / 1000;
    this.onPlaybackFinished({ playbackPosition: played, interrupted });
  }
}
