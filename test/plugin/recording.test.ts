import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recorderOf, recordingAvailable } from '../../src/plugin/recording.js';
import { skipWithout } from '../support/requirements.js';

/** The reference the plugin stores for a session's recording, with and without a recordings directory. */
describe.skipIf(skipWithout('ffmpeg'))('the recording_available event of a closed recorder', () => {
  let root: string;
  let source: string;
  const startedAt = Date.UTC(2026, 11, 7, 12, 0, 0) + 0.4;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'convlog-recorder-'));
    fs.mkdirSync(path.join(root, 'session'));
    source = path.join(root, 'session', 'audio.ogg');
    // given: a 2 s stereo ogg/opus file, as RecorderIO writes one
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=300:duration=2', '-ac', '2', '-c:a', 'libopus', source]);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("given no recordings directory, then the event names the recorder's own file, its start, duration, channels, format and size", async () => {
    const event = await recordingAvailable('call-1', { outputPath: source, recordingStartedAt: startedAt }, null);
    expect(event?.data).toMatchObject({
      path: source,
      startedAt: Math.round(startedAt),
      channels: 2,
      format: 'ogg/opus',
      sizeBytes: fs.statSync(source).size,
      userChannel: 0,
      agentChannel: 1,
    });
    expect(event!.data.durationMs).toBeGreaterThanOrEqual(1900);
    expect(event!.data.durationMs).toBeLessThanOrEqual(2100);
  });

  it('given a recordings directory, then the file is copied there under a safe name of the call id, and the event names the copy', async () => {
    const dir = path.join(root, 'recordings');
    const event = await recordingAvailable('../../etc/call 2', { outputPath: source, recordingStartedAt: startedAt }, dir);
    const copy = event!.data.path;
    expect(path.dirname(copy)).toBe(dir);
    expect(path.basename(copy)).toMatch(/^[A-Za-z0-9_-]+-[0-9a-f]{8}\.ogg$/);
    expect(fs.readFileSync(copy).equals(fs.readFileSync(source))).toBe(true);
    expect(fs.existsSync(source)).toBe(true);
  });

  it('given a recorder that wrote no file, or a session without one, then there is nothing to link', async () => {
    expect(await recordingAvailable('call-3', { outputPath: path.join(root, 'none.ogg'), recordingStartedAt: startedAt }, null)).toBeNull();
    expect(recorderOf({})).toBeNull();
    expect(recorderOf({ _recorderIO: { outputPath: source } })).toBeNull();
    expect(recorderOf({ _recorderIO: { outputPath: source, recordingStartedAt: startedAt } })).not.toBeNull();
  });
});
