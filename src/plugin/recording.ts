import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { probeDurationMs } from '../audio/probe.js';
import { createRecordingAvailableEvent } from '../events/create.js';
import type { NewEventOf } from '../events/types.js';

/**
 * The part of `@livekit/agents`' `RecorderIO` the plugin reads (what `JobContext.makeSessionReport`
 * puts in the report as `audioRecordingPath` / `audioRecordingStartedAt`): the file it wrote
 * and the wall time of its first sample. The file is stereo `ogg/opus`, channel 0 the session's
 * audio input (the user), channel 1 its audio output (the agent), on one timeline.
 */
export interface RecorderLike {
  readonly outputPath?: string | undefined;
  readonly recordingStartedAt?: number | undefined;
  readonly recording?: boolean;
}

/** The session's recorder, when it records audio (`session.start({ record: true })` in a job). */
export function recorderOf(session: unknown): RecorderLike | null {
  const recorder = (session as { _recorderIO?: unknown } | null)?._recorderIO;
  if (recorder === null || typeof recorder !== 'object') return null;
  const r = recorder as RecorderLike;
  return typeof r.outputPath === 'string' && typeof r.recordingStartedAt === 'number' ? r : null;
}

/** The file name of call `callId`'s recording in the recordings directory: safe characters only, unique per call. */
export function recordingFileName(callId: string, ext = '.ogg'): string {
  const safe = callId.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 80) || 'call';
  const hash = createHash('sha256').update(callId).digest('hex').slice(0, 8);
  return `${safe}-${hash}${ext}`;
}

/**
 * The `recording_available` event of a closed recorder: copies the file into `dir` when one is
 * configured (the copy is what the event names), reads its size and duration. Null when there
 * is no file (the recorder wrote nothing).
 */
export async function recordingAvailable(
  callId: string,
  recorder: RecorderLike,
  dir: string | null,
): Promise<NewEventOf<'recording_available'> | null> {
  const source = path.resolve(recorder.outputPath!);
  let file = source;
  try {
    await fs.stat(source);
  } catch {
    return null;
  }
  if (dir !== null) {
    await fs.mkdir(dir, { recursive: true });
    file = path.join(dir, recordingFileName(callId, path.extname(source) || '.ogg'));
    if (file !== source) await fs.copyFile(source, file);
  }
  const { size } = await fs.stat(file);
  return createRecordingAvailableEvent({
    callId,
    path: file,
    startedAt: Math.round(recorder.recordingStartedAt!),
    durationMs: await probeDurationMs(file),
    channels: 2,
    format: 'ogg/opus',
    sizeBytes: size,
    userChannel: 0,
    agentChannel: 1,
  });
}
