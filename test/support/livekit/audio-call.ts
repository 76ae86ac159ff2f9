import type { Utterance } from '../../../examples/scripted/audio.js';
import type { ScriptedReply } from '../../../examples/scripted/llm.js';
import { scriptedAudioSession } from '../../../examples/scripted/session.js';
import { WeatherAgent } from './session.js';

const LONG_REPLY = 'Of course. I can help you with your booking today. '.repeat(12).trim();

/**
 * A scripted phone call on the audio path: three user utterances on the audio clock, the second
 * spoken over the agent's long first answer (an interruption) and asking for a tool.
 */
export const AUDIO_CALL = {
  utterances: [
    { startMs: 300, endMs: 1100, transcript: 'Hi, I need help with my booking', confidence: 0.93, sttDelayMs: 50 },
    { startMs: 2600, endMs: 3400, transcript: 'Actually, what is the weather in Paris?', confidence: 0.88, sttDelayMs: 50 },
    { startMs: 5000, endMs: 5600, transcript: 'Thanks, bye', confidence: 0.97, sttDelayMs: 50 },
  ] satisfies Utterance[],
  replies: [
    {
      input: 'Hi, I need help with my booking',
      content: LONG_REPLY,
      ttftMs: 200,
      usage: { promptTokens: 1200, promptCachedTokens: 1000, completionTokens: 130 },
    },
    {
      input: 'Actually, what is the weather in Paris?',
      toolCalls: [{ name: 'get_weather', args: { city: 'Paris' } }],
      ttftMs: 200,
      usage: { promptTokens: 1400, promptCachedTokens: 1200, completionTokens: 20 },
    },
    // The session hands the tool's output back to the LLM as JSON.
    {
      input: JSON.stringify('sunny in Paris'),
      content: 'It is sunny in Paris.',
      ttftMs: 200,
      usage: { promptTokens: 1450, promptCachedTokens: 1200, completionTokens: 8 },
    },
    {
      input: 'Thanks, bye',
      content: 'Goodbye!',
      ttftMs: 200,
      usage: { promptTokens: 1500, promptCachedTokens: 1400, completionTokens: 3 },
    },
  ] satisfies ScriptedReply[],
  ttsTtfbMs: 120,
  minEndpointingDelayMs: 100,
  longReply: LONG_REPLY,
};

/** The call above on a real `voice.AgentSession` with the weather agent. */
export function audioSession() {
  const { session, input, finished } = scriptedAudioSession(AUDIO_CALL, 'Goodbye!');
  return { session, input, finished, agent: new WeatherAgent() };
}
