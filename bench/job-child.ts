/**
 * One LiveKit job process, as `ipc/job_proc_lazy_main.ts` runs it: the agent's module is
 * imported, `prewarm(proc)` runs while the process is idle, then one job: a scripted
 * `voice.AgentSession` call (examples/scripted/) with the plugin attached as the README says,
 * and the job's shutdown callbacks. Driven by bench/jobs.ts over IPC; reports its figures.
 *
 * Mode `off` is the same process and call without the plugin: the baseline for "added".
 */
import { JobProcess, initializeLogger, voice } from '@livekit/agents';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ConversationLogger } from '../src/index.js';
// The package as installed: its build (bench/jobs.ts builds it first), as the README imports it.
// Loaded at run time so the typecheck, which runs before the build, needs no dist/.
const DIST = new URL('../dist/src/index.js', import.meta.url).href;
const { attachConversationLog, prewarmConversationLog } = (await import(DIST)) as typeof import('../src/index.js');
import { scriptedAudioSession, type ScriptedCall } from '../examples/scripted/session.js';
import { fullGc } from './gc.js';

initializeLogger({ pretty: false, level: 'silent' });

export interface JobInit {
  mode: 'off' | 'log';
  /** The writer: prewarm's default (inline), or a writer thread. */
  writer: 'inline' | 'worker';
  databaseUrl: string;
  callId: string;
}

export interface JobReport {
  kind: 'report';
  prewarmMs: number;
  /** RSS (MB) after the imports, after prewarm, and after the call (each after a full GC). */
  rssStartMb: number;
  rssPrewarmedMb: number;
  rssCallMb: number;
  loopP99Ms: number;
  loopMaxMs: number;
  /** The session's `close` event → the shutdown callback's flush resolved (everything acknowledged committed). */
  closeToCommitMs: number;
  /** session.close() called → returned (LiveKit's own). */
  sessionCloseMs: number;
  /** Events the writer acknowledged as committed. */
  appended: number;
}

const GOODBYE = 'Thanks, bye.';
const CALL: ScriptedCall = {
  utterances: [
    { startMs: 300, endMs: 1300, transcript: 'Hi, is the pool open today?', confidence: 0.93, sttDelayMs: 60 },
    { startMs: 3200, endMs: 4000, transcript: 'And until when?', confidence: 0.9, sttDelayMs: 70 },
    { startMs: 6000, endMs: 6600, transcript: 'Great, thanks', confidence: 0.95, sttDelayMs: 60 },
  ],
  replies: [
    {
      input: 'Hi, is the pool open today?',
      content: 'Yes, the pool is open today.',
      ttftMs: 300,
      usage: { promptTokens: 400, promptCachedTokens: 0, completionTokens: 9 },
    },
    {
      input: 'And until when?',
      content: 'Until ten in the evening.',
      ttftMs: 300,
      usage: { promptTokens: 430, promptCachedTokens: 384, completionTokens: 7 },
    },
    { input: 'Great, thanks', content: GOODBYE, ttftMs: 250, usage: { promptTokens: 450, promptCachedTokens: 384, completionTokens: 4 } },
  ],
  ttsTtfbMs: 140,
  minEndpointingDelayMs: 150,
};

const send = (m: unknown) => process.send!(m);
const rssMb = () => {
  fullGc();
  return process.memoryUsage().rss / 2 ** 20;
};

const init = await new Promise<JobInit>((resolve) => process.once('message', (m) => resolve(m as JobInit)));
const rssStartMb = rssMb();
const proc = new JobProcess();
const t0 = performance.now();
if (init.mode === 'log') await prewarmConversationLog(proc, { databaseUrl: init.databaseUrl, writer: init.writer });
const prewarmMs = performance.now() - t0;
const rssPrewarmedMb = rssMb();
send({ kind: 'initialized' });
await new Promise<void>((resolve) => process.once('message', () => resolve()));

// The job: a context with what the plugin reads, shutdown callbacks run after the session ends.
const shutdownCallbacks: Array<() => Promise<void>> = [];
const ctx = {
  proc,
  job: { id: init.callId, room: { name: `room-${init.callId}` } },
  addShutdownCallback: (cb: () => Promise<void>) => void shutdownCallbacks.push(cb),
};
const { session, input, finished } = scriptedAudioSession(CALL, GOODBYE);
if (init.mode === 'log') await attachConversationLog(session, ctx);
const loop = monitorEventLoopDelay({ resolution: 1 });
// From the first session event on (attach is before start, so this is the call's start).
session.once(voice.AgentSessionEventTypes.AgentStateChanged, () => loop.enable());
await session.start({ agent: new voice.Agent({ instructions: 'You are the front desk of a hotel.' }) });
input.start();
await finished;
input.stop();
loop.disable();
let closedAt = 0;
session.once(voice.AgentSessionEventTypes.Close, () => (closedAt = performance.now()));
const closing = performance.now();
await session.close();
const sessionCloseMs = performance.now() - closing;
for (const cb of shutdownCallbacks) await cb();
const closeToCommitMs = performance.now() - closedAt;
const logger = proc.userData['livekit-conversation-log'] as ConversationLogger | undefined;
const appended = logger?.getWriterStats().appended ?? 0;
const report: JobReport = {
  kind: 'report',
  prewarmMs,
  rssStartMb,
  rssPrewarmedMb,
  rssCallMb: rssMb(),
  loopP99Ms: loop.percentile(99) / 1e6,
  loopMaxMs: loop.max / 1e6,
  closeToCommitMs,
  sessionCloseMs,
  appended,
};
send(report);
// The deadline: the parent may kill the process now (`kill` mode), as LiveKit does once its
// shutdown window is over; otherwise the process closes the logger and exits, as a job does.
await new Promise<void>((resolve) => process.once('message', () => resolve()));
await logger?.close();
process.exit(0);
