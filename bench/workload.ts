import { initializeLogger, llm, voice, type metrics } from '@livekit/agents';

// LiveKit is chatty at info level; the bench prints its own figures only.
initializeLogger({ pretty: false, level: 'silent' });

/** A LiveKit AgentSession event, built with the library's own factories. */
export type SessionEvent = { type: string; createdAt: number; [key: string]: unknown };

/** What the bench callers say, turn by turn (and the search bench's transcripts). */
export const USER_LINES = [
  'Hi, I would like to change the date of my booking to next Thursday if that is possible.',
  'It is under the name Morgan, the reference should be in the confirmation email.',
  'Can you also check whether there is a window seat available on that flight?',
  'Great, and how much would the change cost me in total, including the fees?',
  'Okay, please go ahead and make the change, and send me a new confirmation.',
];
/** What the bench agent answers, turn by turn. */
export const AGENT_LINES = [
  'Of course. Let me pull up your booking first; could you give me the reference number?',
  'Thanks, I found it. The Thursday flight at 9:40 has seats, shall I move you to it?',
  'Yes, seat 14A is a window seat and it is free. I can hold it for you right now.',
  'The change fee is 45 dollars and the fare difference is 20, so 65 dollars in total.',
  'Done. Your new confirmation is on its way to the email address on file.',
];

const sec = (ms: number) => ms / 1000;
const EN = 'en' as unknown as Parameters<typeof voice.createUserInputTranscribedEvent>[0]['language'];

/** One event of a turn: when LiveKit emits it, and how it builds it (at that moment, as LiveKit does). */
export interface ScriptedEvent {
  createdAt: number;
  make: () => SessionEvent;
}

/**
 * The events of one turn of a voice call, in the order LiveKit emits them: user speech
 * (state changes, interim and final transcripts), VAD/STT/EOU metrics, the reply's speech
 * handle, the user message, LLM and TTS metrics, the assistant message with its latency
 * metrics, agent state changes and a usage update; every third turn a tool call. About 20
 * events per turn. Each is built when it is emitted, as LiveKit builds its event objects right
 * at `emit` (an object built early would sit cold in memory until then).
 *
 * @param at when the user starts speaking (ms); events are spread over the next ~2 s
 */
export function turnScript(turn: number, at: number): ScriptedEvent[] {
  // The reply's speech handle, made when LiveKit makes it: just before it emits speech_created.
  // Every event that reads it is timed after it, but made on first use all the same: a timer
  // that fires out of order (seen once on a loaded VM) must not crash the run.
  let handle: voice.SpeechHandle | null = null;
  const speech = () => (handle ??= voice.SpeechHandle.create());
  const userText = USER_LINES[turn % USER_LINES.length]!;
  const agentText = AGENT_LINES[turn % AGENT_LINES.length]!;
  const stopped = at + 1200;
  const ev: ScriptedEvent[] = [];
  const push = (createdAt: number, make: () => unknown) => ev.push({ createdAt, make: make as () => SessionEvent });
  push(at, () => voice.createUserStateChangedEvent('listening', 'speaking', at));
  for (let i = 1; i <= 4; i++)
    push(at + i * 250, () =>
      voice.createUserInputTranscribedEvent({
        transcript: userText.slice(0, Math.round((userText.length * i) / 5)),
        isFinal: false,
        language: EN,
        createdAt: at + i * 250,
      }),
    );
  push(stopped, () => voice.createUserStateChangedEvent('speaking', 'listening', stopped));
  push(stopped + 90, () =>
    voice.createUserInputTranscribedEvent({ transcript: userText, isFinal: true, language: EN, createdAt: stopped + 90 }),
  );
  push(stopped + 1, () =>
    metricsEvent(
      { type: 'vad_metrics', label: 'silero.VAD', timestamp: stopped, idleTimeMs: 12, inferenceDurationTotalMs: 38, inferenceCount: 40 },
      stopped + 1,
    ),
  );
  push(stopped + 91, () =>
    metricsEvent(
      {
        type: 'stt_metrics',
        label: 'deepgram.STT',
        requestId: `stt-${turn}-${at}`,
        timestamp: stopped + 90,
        durationMs: 0,
        audioDurationMs: 1200,
        streamed: true,
        metadata: { modelProvider: 'deepgram', modelName: 'nova-3' },
      },
      stopped + 91,
    ),
  );
  push(stopped + 250, () => voice.createAgentStateChangedEvent('listening', 'thinking', stopped + 250));
  push(stopped + 251, () => {
    return voice.createSpeechCreatedEvent({
      userInitiated: false,
      source: 'generate_reply',
      speechHandle: speech(),
      createdAt: stopped + 251,
    });
  });
  push(stopped + 252, () =>
    metricsEvent(
      {
        type: 'eou_metrics',
        timestamp: stopped + 252,
        endOfUtteranceDelayMs: 250,
        transcriptionDelayMs: 90,
        onUserTurnCompletedDelayMs: 4,
        lastSpeakingTimeMs: stopped,
        speechId: speech().id,
      },
      stopped + 252,
    ),
  );
  push(stopped + 253, () =>
    voice.createConversationItemAddedEvent(
      llm.ChatMessage.create({
        role: 'user',
        content: userText,
        createdAt: at,
        transcriptConfidence: 0.93,
        metrics: { endOfTurnDelay: 0.25, transcriptionDelay: 0.09, stoppedSpeakingAt: sec(stopped), startedSpeakingAt: sec(at) },
      }),
      stopped + 253,
    ),
  );
  push(stopped + 600, () =>
    metricsEvent(
      {
        type: 'llm_metrics',
        label: 'openai.LLM',
        requestId: `llm-${turn}-${at}`,
        timestamp: stopped + 600,
        durationMs: 640,
        ttftMs: 310,
        cancelled: false,
        completionTokens: 42,
        promptTokens: 850 + turn * 60,
        promptCachedTokens: 512,
        totalTokens: 892 + turn * 60,
        tokensPerSecond: 66,
        speechId: speech().id,
        metadata: { modelProvider: 'openai', modelName: 'gpt-4o-mini' },
      },
      stopped + 600,
    ),
  );
  push(stopped + 700, () =>
    metricsEvent(
      {
        type: 'tts_metrics',
        label: 'cartesia.TTS',
        requestId: `tts-${turn}-${at}`,
        timestamp: stopped + 700,
        ttfbMs: 120,
        durationMs: 450,
        audioDurationMs: 4200,
        cancelled: false,
        charactersCount: agentText.length,
        streamed: true,
        speechId: speech().id,
        metadata: { modelProvider: 'cartesia', modelName: 'sonic-2' },
      },
      stopped + 700,
    ),
  );
  push(stopped + 701, () => voice.createAgentStateChangedEvent('thinking', 'speaking', stopped + 701));
  if (turn % 3 === 2) {
    push(stopped + 521, () => {
      const call = llm.FunctionCall.create({
        callId: `call_${turn}_${at}`,
        name: 'lookup_booking',
        args: '{"reference":"MORGAN-4417"}',
        createdAt: stopped + 400,
      });
      const out = llm.FunctionCallOutput.create({
        callId: call.callId,
        output: '{"flight":"LK204","date":"2026-12-03","seat":"14A"}',
        isError: false,
        createdAt: stopped + 520,
      });
      return voice.createFunctionToolsExecutedEvent({ functionCalls: [call], functionCallOutputs: [out], createdAt: stopped + 521 });
    });
  }
  push(stopped + 1000, () => {
    // The reply's message joins its speech handle just before LiveKit emits it.
    const reply = llm.ChatMessage.create({
      role: 'assistant',
      content: agentText,
      createdAt: stopped + 980,
      metrics: { llmNodeTtft: 0.31, ttsNodeTtfb: 0.12, e2eLatency: 0.95, startedSpeakingAt: sec(stopped + 950) },
    });
    speech()._itemAdded([reply]);
    return voice.createConversationItemAddedEvent(reply, stopped + 1000);
  });
  push(stopped + 1800, () => voice.createAgentStateChangedEvent('speaking', 'listening', stopped + 1800));
  push(stopped + 1801, () =>
    voice.createSessionUsageUpdatedEvent({
      usage: {
        modelUsage: [
          { type: 'llm_usage', provider: 'openai', model: 'gpt-4o-mini', inputTokens: 850 * (turn + 1), outputTokens: 42 * (turn + 1) },
        ],
      } as unknown as Parameters<typeof voice.createSessionUsageUpdatedEvent>[0]['usage'],
      createdAt: stopped + 1801,
    }),
  );
  return ev;
}

/** The events of one turn, built now (for runs that emit them back to back). */
export const turnEvents = (turn: number, at: number): SessionEvent[] => turnScript(turn, at).map((e) => e.make());

const metricsEvent = (m: Record<string, unknown>, at: number) =>
  voice.createMetricsCollectedEvent({ metrics: m as unknown as metrics.AgentMetrics, createdAt: at });

/** The session's closing event. */
export const closeEvent = (at: number): SessionEvent => voice.createCloseEvent(voice.CloseReason.USER_INITIATED, null, at);
