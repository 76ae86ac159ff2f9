/**
 * A complete LiveKit voice agent that records every call with livekit-conversation-log.
 *
 *   export LIVEKIT_URL=wss://… LIVEKIT_API_KEY=… LIVEKIT_API_SECRET=…
 *   npm run agent -- dev        # or: start (production), as `lk`-generated agents do
 *
 * STT, LLM and TTS go through LiveKit Inference (model strings, billed to your LiveKit Cloud
 * project); swap in any @livekit/agents-plugin-* instances. Calls land in DATABASE_URL (default
 * sqlite:./data/voice_ai.db); look at them with `npx convlog calls` or `npx convlog serve`.
 */
import { type JobContext, ServerOptions, cli, defineAgent, llm, voice } from '@livekit/agents';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { attachConversationLog, prewarmConversationLog } from 'livekit-conversation-log';
import config from '../agent.config.js';

class FrontDesk extends voice.Agent {
  constructor() {
    super({
      instructions: 'You are the front desk of a small hotel. Answer briefly and politely.',
      tools: {
        check_availability: llm.tool({
          description: 'Whether a room is free on a date',
          parameters: z.object({ date: z.string().describe('ISO date, e.g. 2026-12-24') }),
          execute: async ({ date }) => ({ date, available: !date.endsWith('-24'), pricePerNightEur: 140 }),
        }),
      },
    });
  }
}

export default defineAgent({
  // Once per job process, while it waits for a call: the database opens and the schema is
  // checked here, so the call pays nothing for it.
  prewarm: (proc) => prewarmConversationLog(proc, config),
  entry: async (ctx: JobContext) => {
    // Connect and wait for the caller first: a SIP caller's number is read from their attributes.
    await ctx.connect();
    await ctx.waitForParticipant();

    const session = new voice.AgentSession({
      stt: 'deepgram/nova-3',
      llm: 'openai/gpt-4.1-mini',
      tts: 'cartesia/sonic-2',
    });
    // Attach before start(): the first handoff and state change are part of the record. Closing
    // the session (or the job shutting down) ends the call and flushes.
    const log = await attachConversationLog(session, ctx, config);
    console.log(`recording call ${log.callId}`);

    await session.start({ agent: new FrontDesk(), room: ctx.room });
    session.generateReply({ instructions: 'Greet the caller and offer your help.' });
  },
});

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  cli.runApp(new ServerOptions({ agent: fileURLToPath(import.meta.url) }));
}
