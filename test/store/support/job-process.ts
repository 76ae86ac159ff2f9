/**
 * A LiveKit job process for the PgBouncer test: prewarms the log, runs one call's worth of
 * session events through `attachConversationLog`, runs the job's shutdown callbacks, then
 * prints `acknowledged <n>` (events the writer reported committed) and exits.
 *   node --import tsx job-process.ts <databaseUrl> <callId> <turns>
 */
import { JobProcess, initializeLogger, llm, voice } from '@livekit/agents';
import { EventEmitter } from 'node:events';
import { attachConversationLog, prewarmConversationLog } from '../../../src/index.js';

initializeLogger({ pretty: false, level: 'silent' });
const [databaseUrl, callId, turns] = process.argv.slice(2) as [string, string, string];

const proc = new JobProcess();
const logger = await prewarmConversationLog(proc, { databaseUrl });
const shutdown: Array<() => Promise<void>> = [];
const ctx = {
  proc,
  job: { id: callId, room: { name: `room-${callId}` } },
  addShutdownCallback: (cb: () => Promise<void>) => void shutdown.push(cb),
};
const session = new EventEmitter();
await attachConversationLog(session, ctx);
for (let i = 0; i < Number(turns); i++) {
  const t = Date.now();
  for (const [role, content] of [
    ['user', `question ${i}`],
    ['assistant', `answer ${i}`],
  ] as const)
    session.emit(
      'conversation_item_added',
      voice.createConversationItemAddedEvent(llm.ChatMessage.create({ role, content, createdAt: t }), t),
    );
  await new Promise((r) => setTimeout(r, 20));
}
session.emit('close', voice.createCloseEvent(voice.CloseReason.USER_INITIATED));
for (const cb of shutdown) await cb();
console.log(`acknowledged ${logger.getWriterStats().appended}`);
await logger.close();
