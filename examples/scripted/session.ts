import { voice } from '@livekit/agents';
import { PacedAudioInput, PlayoutAudioOutput, ScriptedSTT, ScriptedTTS, type Utterance } from './audio.js';
import { ScriptedLLM, type ScriptedReply } from './llm.js';

export interface ScriptedCall {
  /** What the caller says, on the audio clock. */
  utterances: Utterance[];
  /** What the model answers. */
  replies: ScriptedReply[];
  ttsTtfbMs: number;
  /** The session's minimum endpointing delay (its end-of-turn wait after speech ends). */
  minEndpointingDelayMs: number;
}

/**
 * A real `voice.AgentSession` on the audio path, with no room: scripted STT (turn detection
 * from it, no VAD), LLM and TTS, audio frames pushed in real time and played out in real time.
 * `finished` resolves when the agent has said `lastReply`.
 */
export function scriptedAudioSession(call: ScriptedCall, lastReply: string) {
  const session = new voice.AgentSession({
    stt: new ScriptedSTT(call.utterances),
    llm: new ScriptedLLM(call.replies),
    tts: new ScriptedTTS(call.ttsTtfbMs),
    vad: null as never,
    turnHandling: { turnDetection: 'stt', endpointing: { minDelay: call.minEndpointingDelayMs, maxDelay: 1000 } },
  } as never);
  const input = new PacedAudioInput();
  session.input.audio = input;
  session.output.audio = new PlayoutAudioOutput();
  const finished = new Promise<void>((resolve) => {
    const onItem = (ev: voice.ConversationItemAddedEvent) => {
      const item = ev.item;
      if (item.type === 'message' && item.role === 'assistant' && item.textContent === lastReply) {
        session.off(voice.AgentSessionEventTypes.ConversationItemAdded, onItem);
        resolve();
      }
    };
    session.on(voice.AgentSessionEventTypes.ConversationItemAdded, onItem);
  });
  return { session, input, finished };
}
