/**
 * A phone call spoken for real: the caller's audio is espeak-ng speech, the agent's TTS answers
 * with espeak-ng speech, and the silences between them are scripted, so the latency a caller
 * hears in each turn is known to the millisecond. On a real `voice.AgentSession` recording its
 * audio with `@livekit/agents`' own `RecorderIO`.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ReadableStream, type ReadableStreamDefaultController } from 'node:stream/web';
import { AudioFrame } from '@livekit/rtc-node';
import { DEFAULT_API_CONNECT_OPTIONS, tts, voice, type APIConnectOptions } from '@livekit/agents';
import { PlayoutAudioOutput, ScriptedSTT, type Utterance } from '../../../examples/scripted/audio.js';
import { ScriptedLLM, type ScriptedReply } from '../../../examples/scripted/llm.js';
import { WeatherAgent } from './session.js';

const USER_RATE = 16_000;
const AGENT_RATE = 24_000;
const FRAME_MS = 20;
/** A sample is speech from here up (−40 dBFS): where a clip's speech begins and ends. */
const SPEECH_LEVEL = 328;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** espeak-ng speech, resampled by ffmpeg to `sampleRate`, trimmed to its first and last sample of speech. */
export function speak(text: string, sampleRate: number): Int16Array {
  const wav = execFileSync('espeak-ng', ['--stdout', '-s', '170', text]);
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', 'pipe:0', '-f', 's16le', '-ac', '1', '-ar', String(sampleRate), 'pipe:1'], {
    input: wav,
  });
  const all = new Int16Array(raw.buffer, raw.byteOffset, Math.floor(raw.length / 2));
  let lo = 0;
  let hi = all.length - 1;
  while (lo < hi && Math.abs(all[lo]!) < SPEECH_LEVEL) lo++;
  while (hi > lo && Math.abs(all[hi]!) < SPEECH_LEVEL) hi--;
  return Int16Array.from(all.subarray(lo, hi + 1));
}

/** One spoken turn: what the caller says, the silence before it, and the reply the agent speaks. */
export interface SpokenTurn {
  /** Silence before the caller speaks, from the end of the previous turn's user speech (ms). */
  pauseBeforeMs: number;
  said: string;
  reply: string;
  /** Silence at the head of the reply's audio (ms): heard by the caller, unseen by the SDK's TTS TTFB. */
  replyLeadMs: number;
}

/** An `AudioInput` that plays one PCM track in real time, on an absolute schedule (no drift), then silence. */
export class TrackAudioInput extends voice.AudioInput {
  readonly #controller: ReadableStreamDefaultController<AudioFrame>;
  #timer: NodeJS.Timeout | null = null;
  /** Wall time of the track's sample 0 (ms UTC), once started. */
  startedAt = 0;
  /** Each frame pushed, by the index of its first sample / frame size. */
  readonly indexOf = new WeakMap<AudioFrame, number>();

  constructor(private readonly track: Int16Array) {
    super();
    let controller!: ReadableStreamDefaultController<AudioFrame>;
    this.multiStream.addInputStream(new ReadableStream<AudioFrame>({ start: (c) => void (controller = c) }));
    this.#controller = controller;
  }

  start(): void {
    const size = (USER_RATE * FRAME_MS) / 1000;
    const t0 = performance.now();
    this.startedAt = Date.now();
    let sent = 0;
    // Each frame is pushed when its last sample is due, on the schedule of the first: no drift.
    const tick = () => {
      try {
        for (const due = Math.floor((performance.now() - t0) / FRAME_MS); sent < due; sent++) {
          const frame = new Int16Array(size);
          const from = sent * size;
          if (from < this.track.length) frame.set(this.track.subarray(from, Math.min(from + size, this.track.length)));
          const audio = new AudioFrame(frame, USER_RATE, 1, size);
          this.indexOf.set(audio, sent);
          this.#controller.enqueue(audio);
        }
      } catch {
        this.stop();
        return;
      }
      this.#timer = setTimeout(tick, Math.max(0, t0 + (sent + 1) * FRAME_MS - performance.now()));
    };
    this.#timer = setTimeout(tick, FRAME_MS);
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** A streaming `tts.TTS` that speaks each flushed segment with espeak-ng after `ttfbMs`, after the reply's lead silence. */
export class EspeakTTS extends tts.TTS {
  label = 'espeak-tts';
  constructor(
    readonly ttfbMs: number,
    readonly clips: Map<string, Int16Array>,
  ) {
    super(AGENT_RATE, 1, { streaming: true });
  }
  override get model(): string {
    return 'espeak-ng';
  }
  override get provider(): string {
    return 'espeak';
  }
  synthesize(): tts.ChunkedStream {
    throw new Error('EspeakTTS only streams');
  }
  stream(options?: { connOptions?: APIConnectOptions }): tts.SynthesizeStream {
    return new EspeakStream(this, options?.connOptions ?? DEFAULT_API_CONNECT_OPTIONS);
  }
}

class EspeakStream extends tts.SynthesizeStream {
  label = 'espeak-tts.stream';
  constructor(
    private readonly owner: EspeakTTS,
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
      const pcm = this.owner.clips.get(text.trim()) ?? speak(text, AGENT_RATE);
      const size = (AGENT_RATE * FRAME_MS) / 1000;
      const frames = Math.ceil(pcm.length / size);
      for (let i = 0; i < frames; i++) {
        if (this.abortSignal.aborted) return;
        const frame = new Int16Array(size);
        frame.set(pcm.subarray(i * size, Math.min((i + 1) * size, pcm.length)));
        this.queue.put({
          requestId: `req-${segment}`,
          segmentId: `seg-${segment}`,
          frame: new AudioFrame(frame, AGENT_RATE, 1, size),
          final: i === frames - 1,
          ...(i === 0 ? { deltaText: text } : {}),
        });
      }
      text = '';
      segment++;
    };
    for await (const input of this.input) {
      if (this.abortSignal.aborted) break;
      if (input === EspeakStream.FLUSH_SENTINEL) await emit();
      else text += input;
    }
    await emit();
    this.queue.put(EspeakStream.END_OF_STREAM);
  }
}

/** The real `AudioOutput` the scripted calls use, noting when each reply began to play (ms UTC). */
class NotedPlayout extends PlayoutAudioOutput {
  readonly playbackStarts: number[] = [];
  override onPlaybackStarted(createdAt: number): void {
    this.playbackStarts.push(createdAt);
    super.onPlaybackStarted(createdAt);
  }
}

/** Each frame the recorder takes, with the start of the run it joined (ms UTC) and whether it began that run. */
type Placements = (frame: unknown, runStart: number, newRun: boolean) => void;
let placements: Placements | null = null;

interface TrackState {
  runStart?: number;
  runSamples: number;
  sampleRate: number;
}

/**
 * `@livekit/agents`' RecorderIO (not exported by the package: loaded from its dist, the same
 * module the session uses), with its `Track.push` observed — never changed — so a test knows
 * where the recorder laid each frame of the caller's audio: it stamps frames when they arrive
 * (they carry no capture time) and re-anchors a channel only past 100 ms of drift, so an event
 * loop held up 20–100 ms moves the rest of the user channel by as much.
 */
async function loadRecorderIO(): Promise<new (o: { agentSession: unknown }) => RecorderIOLike> {
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve('@livekit/agents'));
  const mod = (await import(pathToFileURL(path.join(root, 'voice', 'recorder_io', 'recorder_io.js')).href)) as {
    RecorderIO: new (o: { agentSession: unknown }) => RecorderIOLike;
    Track: { prototype: { push: (this: TrackState, startedAt: number, frame: unknown) => void; __observed?: boolean } };
  };
  const proto = mod.Track.prototype;
  if (!proto.__observed) {
    const push = proto.push;
    proto.__observed = true;
    proto.push = function (this: TrackState, startedAt: number, frame: unknown) {
      const [runStart, runSamples] = [this.runStart, this.runSamples];
      push.call(this, startedAt, frame);
      placements?.(frame, this.runStart!, runStart === undefined || this.runStart !== runStart || this.runSamples < runSamples);
    };
  }
  // The recorder's first encode makes fluent-ffmpeg list ffmpeg's formats and encoders (once per
  // process): parsing them holds the event loop 100 ms or more, and user frames that arrive late
  // by that much are placed late for the rest of the call (the recorder stamps frames on arrival).
  // Listed here first, as a long-running agent process has long since done.
  const ffmpeg = createRequire(path.join(root, 'index.js'))('fluent-ffmpeg') as () => {
    availableFormats(cb: (err: unknown) => void): void;
    availableEncoders(cb: (err: unknown) => void): void;
  };
  await new Promise<void>((resolve) => ffmpeg().availableFormats(() => resolve()));
  await new Promise<void>((resolve) => ffmpeg().availableEncoders(() => resolve()));
  return mod.RecorderIO;
}

interface RecorderIOLike {
  recordInput(input: voice.AudioInput): voice.AudioInput;
  recordOutput(output: voice.AudioOutput): voice.AudioOutput;
  start(file: string): Promise<void>;
  readonly outputPath?: string;
  readonly recordingStartedAt?: number;
}

/**
 * The spoken call on a real `voice.AgentSession` whose audio `RecorderIO` records to `file`,
 * installed as `AgentSession.start` installs it in a job (`session._recorderIO`, wrapping the
 * session's audio input and output), since a session without a job context records nothing.
 * `truth()` gives each turn's heard latency from the script and the playout's own clock.
 */
export async function spokenSession(turns: SpokenTurn[], file: string, options: { ttsTtfbMs?: number; ttftMs?: number } = {}) {
  const utterances: Utterance[] = [];
  const userClips = turns.map((t) => speak(t.said, USER_RATE));
  let cursorMs = 0;
  for (const [i, t] of turns.entries()) {
    const startMs = cursorMs + t.pauseBeforeMs;
    const endMs = startMs + (userClips[i]!.length / USER_RATE) * 1000;
    utterances.push({ startMs, endMs, transcript: t.said, confidence: 0.95, sttDelayMs: 50 });
    cursorMs = endMs;
  }
  const track = new Int16Array(Math.ceil(((cursorMs + 6000) / 1000) * USER_RATE));
  for (const [i, u] of utterances.entries()) track.set(userClips[i]!, Math.round((u.startMs / 1000) * USER_RATE));
  const clips = new Map<string, Int16Array>();
  for (const t of turns) {
    const speech = speak(t.reply, AGENT_RATE);
    const lead = Math.round((t.replyLeadMs / 1000) * AGENT_RATE);
    const clip = new Int16Array(lead + speech.length);
    clip.set(speech, lead);
    clips.set(t.reply, clip);
  }
  const replies: ScriptedReply[] = turns.map((t) => ({
    input: t.said,
    content: t.reply,
    ttftMs: options.ttftMs ?? 150,
    usage: { promptTokens: 100, promptCachedTokens: 0, completionTokens: 10 },
  }));
  const session = new voice.AgentSession({
    stt: new ScriptedSTT(utterances),
    llm: new ScriptedLLM(replies),
    tts: new EspeakTTS(options.ttsTtfbMs ?? 100, clips),
    vad: null as never,
    turnHandling: { turnDetection: 'stt', endpointing: { minDelay: 100, maxDelay: 1000 } },
  } as never);
  const input = new TrackAudioInput(track);
  const output = new NotedPlayout();
  const RecorderIO = await loadRecorderIO();
  // A run lays its frames end to end from the run's start (the resampler's delay is compensated).
  const placed = new Map<number, number>();
  let run = { index: 0, at: 0 };
  placements = (frame, runStart, newRun) => {
    const index = input.indexOf.get(frame as AudioFrame);
    if (index === undefined) return;
    if (newRun) run = { index, at: runStart };
    placed.set(index, run.at + (index - run.index) * FRAME_MS);
  };
  /** Where the recorder laid sample `sample` of the caller's track (ms UTC), if it recorded it. */
  const placedSample = (sample: number) => {
    const size = (USER_RATE * FRAME_MS) / 1000;
    const frame = placed.get(Math.floor(sample / size));
    return frame === undefined ? undefined : frame + ((sample % size) / USER_RATE) * 1000;
  };
  const recorder = new RecorderIO({ agentSession: session });
  session.input.audio = recorder.recordInput(input);
  session.output.audio = recorder.recordOutput(output);
  (session as unknown as { _recorderIO: RecorderIOLike })._recorderIO = recorder;
  const last = turns[turns.length - 1]!.reply;
  const finished = new Promise<void>((resolve) => {
    const onItem = (ev: voice.ConversationItemAddedEvent) => {
      if (ev.item.type === 'message' && ev.item.role === 'assistant' && ev.item.textContent === last) {
        session.off(voice.AgentSessionEventTypes.ConversationItemAdded, onItem);
        resolve();
      }
    };
    session.on(voice.AgentSessionEventTypes.ConversationItemAdded, onItem);
  });
  return {
    session,
    agent: new WeatherAgent(),
    /**
     * Starts the caller's audio, then the recorder: call after `session.start()`. The recorder
     * places the caller's audio where its first recorded frame arrived (frames carry no capture
     * time), so it starts once frames flow steadily: a first frame read late (the session still
     * starting up) would shift the whole user channel by as much.
     */
    async play() {
      input.start();
      await new Promise((r) => setTimeout(r, 300));
      await recorder.start(file);
    },
    stop: () => input.stop(),
    finished,
    recorder,
    /**
     * Per turn, the latency in the recording: the reply's start + its lead silence − the end of
     * the user's speech, both where the recorder laid them (ms).
     */
    truth: () =>
      turns.map((t, i) => {
        const playedAt = output.playbackStarts[i];
        const endSample = Math.round((utterances[i]!.startMs / 1000) * USER_RATE) + userClips[i]!.length;
        const ended = placedSample(endSample);
        return playedAt === undefined || ended === undefined ? null : playedAt + t.replyLeadMs - ended;
      }),
    /** Per turn, the latency the caller heard on the audio clock (ms): what the recording holds when the recorder placed every frame on time. */
    scriptedTruth: () =>
      turns.map((t, i) => {
        const playedAt = output.playbackStarts[i];
        return playedAt === undefined ? null : playedAt + t.replyLeadMs - (input.startedAt + utterances[i]!.endMs);
      }),
    utterances,
  };
}
