/**
 * A process whose store cannot be written, for the fault tests. It never calls process.exit: the
 * test checks that it ends by itself. It prints one JSON line: `{ report, codes, retryable }`
 * (what close() reported, and how each write promise settled: `ok` or its error code).
 *
 * - `down <url> end`: the process-wide logger on a store that is down from the start; logs a
 *   call and five events and ends its script (the logger closes at `beforeExit`). Prints `end`.
 * - `down <url> close`: the same with a logger of its own, then `close({ timeoutMs: 1000 })`.
 * - `unwritable <backend> <url> <writerThread> [busyTimeoutMs]`: opens a logger (PostgreSQL through
 *   a proxy of its own), starts a call, then the store cannot be written (the proxy stops; another
 *   connection holds SQLite's write lock); logs 40 messages, then `close({ timeoutMs: 2000 })`.
 */
import Database from 'better-sqlite3';
import { ConversationLogger } from '../../../src/logger/conversation-logger.js';
import { getConversationLogger } from '../../../src/logger/global.js';
import { createLog } from '../../../src/config/log.js';
import { freePort } from './pg-cluster.js';
import { TcpProxy, viaPort } from './tcp-proxy.js';

const log = createLog('error');
const tuning = { flushIntervalMs: 5, retryBaseDelayMs: 20, retryMaxDelayMs: 200, poolSize: 1, poolOverflow: 0, log } as const;
const out = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const codes: string[] = [];
const retryable: boolean[] = [];
const track = (p: Promise<unknown>) =>
  p.then(
    () => void codes.push('ok'),
    (e: { code?: string; retryable?: boolean }) => {
      codes.push(e.code ?? 'error');
      retryable.push(e.retryable === true);
    },
  );

const [mode, ...args] = process.argv.slice(2);
if (mode === 'down') {
  const [url, ending] = args as [string, string];
  const logger =
    ending === 'end' ? getConversationLogger({ databaseUrl: url, ...tuning }) : new ConversationLogger({ databaseUrl: url, ...tuning });
  const writes = [track(logger.startCall({ callId: 'down' }))];
  for (let i = 0; i < 5; i++) writes.push(track(logger.logEvent({ eventType: 'while_down', message: `event ${i}`, callId: 'down' })));
  if (ending === 'end') {
    out('end');
  } else {
    await new Promise((r) => setTimeout(r, 500));
    const report = await logger.close({ timeoutMs: 1000 });
    await Promise.all(writes);
    out({ report, codes, retryable });
  }
} else if (mode === 'unwritable') {
  const [backend, url, writerThread, busyTimeoutMs] = args as [string, string, 'worker' | 'inline', string | undefined];
  const proxy = backend === 'postgres' ? new TcpProxy(await freePort()) : null;
  await proxy?.start();
  const logger = await ConversationLogger.open({
    databaseUrl: proxy ? viaPort(url, proxy.port) : url,
    writerThread,
    ...tuning,
    ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs: Number(busyTimeoutMs) }),
  });
  await logger.startCall({ callId: 'unwritable' });
  const conversationId = await logger.startConversation({ callId: 'unwritable' });
  // The store cannot be written from now on.
  let holder: Database.Database | null = null;
  if (proxy) await proxy.stop();
  else {
    holder = new Database(url.slice('sqlite:'.length));
    holder.exec('BEGIN IMMEDIATE');
  }
  const writes: Promise<void>[] = [];
  for (let i = 0; i < 40; i++) writes.push(track(logger.logUserMessage({ conversationId, content: `unwritable ${i}` })));
  await new Promise((r) => setTimeout(r, 300));
  const report = await logger.close({ timeoutMs: 2000 });
  await Promise.all(writes);
  out({ report, codes, retryable });
  // The lock is held to the end: the process must end with it.
  void holder;
}
