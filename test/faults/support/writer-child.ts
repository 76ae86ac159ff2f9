/**
 * A writing process for the fault tests: opens a ConversationLogger on argv[2] and logs calls
 * (`argv[3]` = how many, 0 = until killed; `argv[4]` = run id), `argv[5]` at a time, each a start,
 * a conversation, user/assistant messages and an end. Prints `ack <messageId>` once a message's
 * promise has resolved (it is committed), `done` at the end. On SIGTERM it closes the logger
 * (flushing what is queued) and prints `closed <n enqueued>`.
 */
import { ConversationLogger } from '../../../src/logger/conversation-logger.js';
import { createLog } from '../../../src/config/log.js';

const [url, callsArg = '0', run = 'r', parallelArg = '8', messagesArg = '20'] = process.argv.slice(2);
const calls = Number(callsArg);
const parallel = Number(parallelArg);
const messagesPerCall = Number(messagesArg);
const logger = await ConversationLogger.open({
  databaseUrl: url!,
  flushIntervalMs: 5,
  poolSize: 2,
  poolOverflow: 2,
  retryBaseDelayMs: 20,
  retryMaxDelayMs: 500,
  log: createLog('error'),
});
const out = (line: string) => process.stdout.write(`${line}\n`);
let enqueued = 0;
process.on('SIGTERM', () => {
  stopping = true;
  // Everything enqueued so far must be written before the process goes.
  void logger.close().then(() => {
    out(`closed ${enqueued}`);
    process.exit(0);
  });
});
let stopping = false;
let next = 0;

async function oneCall(i: number): Promise<void> {
  const callId = `${run}-call-${i}`;
  enqueued++;
  await logger.startCall({ callId, livekitRoom: `room-${i % 7}` });
  // Checked right before each call: after SIGTERM the logger is closing and refuses new events
  // (LOGGER_CLOSED), which this script would otherwise count as sent and die of.
  if (stopping) return;
  enqueued++;
  const conversationId = await logger.startConversation({ callId, aiModel: 'gpt-4o-mini' });
  for (let m = 0; m < messagesPerCall && !stopping; m++) {
    enqueued++;
    const id =
      m % 2 === 0
        ? await logger.logUserMessage({ conversationId, content: `${callId} user ${m}`, sttConfidence: 0.9 })
        : await logger.logAssistantMessage({
            conversationId,
            content: `${callId} assistant ${m}`,
            processingTimeMs: 300 + m,
            llmModel: 'gpt-4o-mini',
            llmTokensInput: 100,
            llmTokensOutput: 10,
            llmCostUsd: 0.0001,
          });
    out(`ack ${id}`);
  }
  if (stopping) return;
  enqueued++;
  await logger.endCall(callId);
}

await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (!stopping && (calls === 0 || next < calls)) await oneCall(next++);
  }),
);
if (!stopping) {
  await logger.close();
  out('done');
}
