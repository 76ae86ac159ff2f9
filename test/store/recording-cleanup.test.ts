import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { createRecordingAvailableEvent } from '../../src/events/create.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

const DAY = 86_400_000;

describeEachBackend('cleanup and recordings', (backend) => {
  let logger: ConversationLogger;
  let root: string;
  let dir: string;
  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'convlog-rec-'));
    dir = path.join(root, 'recordings');
    fs.mkdirSync(dir);
    logger = await openLogger(backend, { recordingsDir: dir });
  });
  afterEach(async () => {
    await logger.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const recorded = async (callId: string, ageDays: number, file: string) => {
    const now = Date.now();
    await logger.startCall({ callId, startedAt: now - ageDays * DAY });
    await logger.endCall(callId);
    await logger.append(createRecordingAvailableEvent({ callId, path: file, startedAt: now - ageDays * DAY, durationMs: 1000 }));
  };

  it('given old calls with recordings, when cleaned, then their files inside the recordings directory go and nothing else does', async () => {
    const write = (p: string) => {
      fs.writeFileSync(p, 'OggS');
      return p;
    };
    const inside = write(path.join(dir, 'old-1.ogg'));
    const outside = write(path.join(root, 'elsewhere.ogg'));
    const climbing = path.join(dir, '..', 'climb.ogg');
    write(climbing);
    const link = path.join(dir, 'link.ogg');
    fs.symlinkSync(outside, link);
    const recent = write(path.join(dir, 'new-1.ogg'));
    await recorded('old-1', 40, inside);
    await recorded('old-2', 40, outside);
    await recorded('old-3', 40, climbing);
    await recorded('old-4', 40, link);
    await recorded('new-1', 1, recent);

    const result = await logger.cleanupOldData({ retentionDays: 30 });

    expect(result.calls).toBe(4);
    expect(result.recordingFiles).toBe(1);
    expect(fs.existsSync(inside)).toBe(false);
    // Outside the directory, climbing out of it, or a symlink out of it: left alone.
    expect([outside, climbing, recent].map((p) => fs.existsSync(p))).toEqual([true, true, true]);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    const ds = await logger.dataSource();
    const rows = (await ds.query(`SELECT id, recording_path FROM calls`)) as Array<{ id: string; recording_path: string }>;
    expect(rows).toEqual([{ id: 'new-1', recording_path: recent }]);
  });

  it('given no recordings directory, when cleaned, then no file is deleted', async () => {
    await logger.close();
    logger = await openLogger(backend);
    const file = path.join(dir, 'old.ogg');
    fs.writeFileSync(file, 'OggS');
    await recorded('old', 40, file);
    const result = await logger.cleanupOldData({ retentionDays: 30 });
    expect([result.calls, result.recordingFiles, fs.existsSync(file)]).toEqual([1, 0, true]);
  });
});
