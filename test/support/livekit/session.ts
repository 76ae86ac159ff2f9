import { initializeLogger, llm, voice } from '@livekit/agents';
import { z } from 'zod';

initializeLogger({ pretty: false, level: 'silent' });

/** An agent with one tool, `get_weather`, that answers from a fixed table. */
export class WeatherAgent extends voice.Agent {
  constructor() {
    super({
      instructions: 'You are a helpful weather assistant.',
      tools: {
        get_weather: llm.tool({
          description: 'Current weather of a city',
          parameters: z.object({ city: z.string() }),
          execute: async ({ city }) => {
            if (city === 'Atlantis') throw new Error('no such city');
            return `sunny in ${city}`;
          },
        }),
      },
    });
  }
}

/** The scripted LLM of a multi-turn weather call (FakeLLM maps the last user input to a reply). */
export const weatherLLM = () =>
  new voice.testing.FakeLLM([
    { input: 'Hello there', content: 'Hi! How can I help you today?', ttft: 40, duration: 80 },
    { input: 'What is the weather in Paris?', toolCalls: [{ name: 'get_weather', args: { city: 'Paris' } }], ttft: 20 },
    // The session hands the tool's output back to the LLM as JSON.
    { input: JSON.stringify('sunny in Paris'), content: 'It is sunny in Paris.', ttft: 25, duration: 40 },
    { input: 'Thanks, bye', content: 'Goodbye, have a nice day!', ttft: 30, duration: 50 },
  ]);

export const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))]);
