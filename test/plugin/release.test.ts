import { voice } from '@livekit/agents';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { defaultRelease, gitCommit, instructionsHash, resetDefaultRelease } from '../../src/config/release.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { attachConversationLog } from '../../src/plugin/attach.js';
import { audioSession } from '../support/livekit/audio-call.js';
import { WeatherAgent, weatherLLM, withTimeout } from '../support/livekit/session.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

const rows = (ds: DataSource, sql: string) => ds.query(sql) as Promise<Array<Record<string, unknown>>>;
const WEATHER_HASH = instructionsHash('You are a helpful weather assistant.', ['get_weather']);

describeEachBackend('plugin stamps what changed on a real AgentSession', (backend) => {
  let logger: ConversationLogger;
  let ds: DataSource;
  beforeAll(async () => {
    logger = await openLogger(backend);
    // Given an audio call (scripted STT nova-3, LLM gpt-4o-mini, TTS sonic-2) recorded with a release.
    const { session, input, agent, finished } = audioSession();
    const log = await attachConversationLog(session, undefined, { callId: 'call-release', sink: logger, release: 'v2.3.1' });
    await session.start({ agent });
    input.start();
    await withTimeout(finished, 20_000);
    input.stop();
    await session.close();
    await log.flush();
    ds = await logger.dataSource();
  }, 30_000);
  afterAll(async () => {
    await logger.close();
  });

  it('records the release on the call, the agent instructions hash on its conversation', async () => {
    const [call] = await rows(ds, `SELECT release FROM calls WHERE id = 'call-release'`);
    expect(call!['release']).toBe('v2.3.1');
    const conversations = await rows(ds, `SELECT instructions_hash FROM conversations WHERE call_id = 'call-release'`);
    expect(conversations.map((c) => c['instructions_hash'])).toEqual([WEATHER_HASH]);
    expect(WEATHER_HASH).toMatch(/^[0-9a-f]{16}$/);
  });

  it('records on each answered turn the LLM, STT and TTS models its metrics named', async () => {
    const turns = await rows(
      ds,
      `SELECT llm_model, stt_model, tts_model, outcome FROM turns WHERE call_id = 'call-release' AND assistant_message_id IS NOT NULL`,
    );
    expect(turns.length).toBeGreaterThanOrEqual(3);
    for (const t of turns) expect([t['llm_model'], t['stt_model'], t['tts_model']]).toEqual(['gpt-4o-mini', 'nova-3', 'sonic-2']);
  });

  it('keeps the same in the event log: a rebuild gives the same rows', async () => {
    const before = await rows(ds, `SELECT id, llm_model, stt_model, tts_model FROM turns ORDER BY id`);
    await logger.rebuildProjections();
    expect(await rows(ds, `SELECT id, llm_model, stt_model, tts_model FROM turns ORDER BY id`)).toEqual(before);
    expect((await rows(ds, `SELECT release FROM calls`))[0]!['release']).toBe('v2.3.1');
  });
});

describeEachBackend('the default release', (backend) => {
  let logger: ConversationLogger;
  const saved = process.env['CONVERSATION_LOG_RELEASE'];
  beforeAll(async () => {
    logger = await openLogger(backend);
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['CONVERSATION_LOG_RELEASE'];
    else process.env['CONVERSATION_LOG_RELEASE'] = saved;
    resetDefaultRelease();
  });
  afterAll(async () => {
    await logger.close();
  });

  it('given CONVERSATION_LOG_RELEASE, when a text session is attached without a release, then its call carries it; null records none', async () => {
    process.env['CONVERSATION_LOG_RELEASE'] = 'deploy-42';
    resetDefaultRelease();
    const session = new voice.AgentSession({ llm: weatherLLM() });
    const log = await attachConversationLog(session, undefined, { callId: 'call-env', sink: logger });
    await session.start({ agent: new WeatherAgent() });
    await withTimeout(session.run({ userInput: 'Hello there' }).wait(), 10_000);
    await session.close();
    await log.flush();
    await logger.startCall({ callId: 'call-api' });
    await logger.startCall({ callId: 'call-none', release: null });
    const ds = await logger.dataSource();
    const calls = await rows(ds, `SELECT id, release FROM calls ORDER BY id`);
    expect(calls.map((c) => [c['id'], c['release']])).toEqual([
      ['call-api', 'deploy-42'],
      ['call-env', 'deploy-42'],
      ['call-none', null],
    ]);
    const [conversation] = await rows(ds, `SELECT instructions_hash FROM conversations WHERE call_id = 'call-env'`);
    expect(conversation!['instructions_hash']).toBe(WEATHER_HASH);
  });

  it('given a release that is not a string of at most 255 characters, startCall rejects INVALID_ARGUMENT naming it and stores nothing', async () => {
    for (const release of [42, 'x'.repeat(256)]) {
      const error = await logger.startCall({ callId: 'call-bad', release: release as never }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'release' });
    }
    expect(await rows(await logger.dataSource(), `SELECT id FROM calls WHERE id = 'call-bad'`)).toEqual([]);
  });
});

describe('gitCommit', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'convlog-git-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const HASH = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

  it('given a checkout on a branch, reads the commit its ref names, from a subdirectory too', () => {
    const d = tmp();
    fs.mkdirSync(path.join(d, '.git', 'refs', 'heads'), { recursive: true });
    fs.writeFileSync(path.join(d, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    fs.writeFileSync(path.join(d, '.git', 'refs', 'heads', 'main'), `${HASH}\n`);
    fs.mkdirSync(path.join(d, 'src'));
    expect(gitCommit(d)).toBe(HASH.slice(0, 12));
    expect(gitCommit(path.join(d, 'src'))).toBe(HASH.slice(0, 12));
  });

  it('given a linked worktree whose branch is only in packed-refs, reads it through the .git file and commondir', () => {
    const main = tmp();
    const wt = tmp();
    const git = path.join(main, '.git');
    fs.mkdirSync(path.join(git, 'worktrees', 'wt'), { recursive: true });
    fs.writeFileSync(path.join(git, 'packed-refs'), `# pack-refs with: peeled\n${HASH} refs/heads/feature\n`);
    fs.writeFileSync(path.join(git, 'worktrees', 'wt', 'HEAD'), 'ref: refs/heads/feature\n');
    fs.writeFileSync(path.join(git, 'worktrees', 'wt', 'commondir'), '../..\n');
    fs.writeFileSync(path.join(wt, '.git'), `gitdir: ${path.join(git, 'worktrees', 'wt')}\n`);
    expect(gitCommit(wt)).toBe(HASH.slice(0, 12));
  });

  it('given a detached HEAD, reads it; given no checkout, null', () => {
    const d = tmp();
    fs.mkdirSync(path.join(d, '.git'));
    fs.writeFileSync(path.join(d, '.git', 'HEAD'), `${HASH}\n`);
    expect(gitCommit(d)).toBe(HASH.slice(0, 12));
    expect(gitCommit(tmp())).toBe(null);
  });

  it('the default release without CONVERSATION_LOG_RELEASE is the working directory commit', () => {
    const saved = process.env['CONVERSATION_LOG_RELEASE'];
    delete process.env['CONVERSATION_LOG_RELEASE'];
    resetDefaultRelease();
    try {
      expect(defaultRelease()).toBe(gitCommit(process.cwd()));
    } finally {
      if (saved !== undefined) process.env['CONVERSATION_LOG_RELEASE'] = saved;
      resetDefaultRelease();
    }
  });
});
