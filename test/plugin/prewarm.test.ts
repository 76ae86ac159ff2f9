import { JobProcess, initializeLogger, llm, voice } from '@livekit/agents';
import { EventEmitter } from 'node:events';
import { afterEach, expect, it } from 'vitest';
import { getConversationLogger, resetConversationLogger } from '../../src/logger/global.js';
import { attachConversationLog } from '../../src/plugin/attach.js';
import { PREWARMED_LOGGER, prewarmConversationLog, prewarmedLogger } from '../../src/plugin/prewarm.js';
import { getCallDetail } from '../../src/queries/call-detail.js';
import { describeEachBackend, freshDatabaseUrl } from '../support/stores.js';

// LiveKit runs `prewarm(proc)` once per idle job process, then `entry(ctx)` with `ctx.proc`.

initializeLogger({ pretty: false, level: 'silent' });

afterEach(async () => {
  await resetConversationLogger();
});

describeEachBackend('prewarmConversationLog', (backend) => {
  it('given a prewarmed job process, when a call is attached in entry, then it is written by that logger, opened once', async () => {
    // given: prewarm, as defineAgent({ prewarm }) runs it
    const proc = new JobProcess();
    const databaseUrl = await freshDatabaseUrl(backend);
    const logger = await prewarmConversationLog(proc, { databaseUrl });
    expect(proc.userData[PREWARMED_LOGGER]).toBe(logger);
    expect(prewarmedLogger(proc)).toBe(logger);
    // The process-wide logger is the same one: nothing opens a second.
    expect(getConversationLogger()).toBe(logger);

    // when: entry attaches to the session, with the job context LiveKit gives it
    const shutdown: Array<() => Promise<void>> = [];
    const ctx = {
      proc,
      job: { id: 'job-p1', room: { name: 'room-p1' } },
      addShutdownCallback: (cb: () => Promise<void>) => void shutdown.push(cb),
    };
    const session = new EventEmitter();
    const log = await attachConversationLog(session, ctx);
    const t = Date.now();
    session.emit(
      'conversation_item_added',
      voice.createConversationItemAddedEvent(llm.ChatMessage.create({ role: 'user', content: 'Is the pool open?', createdAt: t }), t),
    );
    session.emit('close', voice.createCloseEvent(voice.CloseReason.USER_INITIATED));
    for (const cb of shutdown) await cb();

    // then: the call is in the prewarmed logger's store, closed, with its message
    expect(log.callId).toBe('job-p1');
    const detail = await getCallDetail(await logger.dataSource(), 'job-p1');
    expect(detail?.call.livekitRoom).toBe('room-p1');
    expect(detail?.call.status).not.toBe('active');
    expect(detail?.messages.map((m) => m.content)).toEqual(['Is the pool open?']);
  });

  it('given a job process, when prewarmed, then it writes inline on one connection, or on a writer thread when asked', async () => {
    const logger = await prewarmConversationLog(new JobProcess(), { databaseUrl: await freshDatabaseUrl(backend) });
    expect(logger.config.writerThread).toBe('inline');
    expect(logger.config.poolSize + logger.config.poolOverflow).toBe(1);
    await logger.logEvent({ eventType: 'probe', message: 'written inline' });
    await resetConversationLogger();

    const threaded = await prewarmConversationLog(new JobProcess(), { databaseUrl: await freshDatabaseUrl(backend), writer: 'worker' });
    expect(threaded.config.writerThread).toBe('worker');
    await threaded.logEvent({ eventType: 'probe', message: 'written by the thread' });
  });
});
