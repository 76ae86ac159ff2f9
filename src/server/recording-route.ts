import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DataSource } from 'typeorm';
import { recordingInside } from '../audio/recording-path.js';
import { getRecording } from '../queries/recordings.js';
import { HttpError } from './http-util.js';

const TYPES: Record<string, string> = { '.ogg': 'audio/ogg', '.opus': 'audio/ogg', '.wav': 'audio/wav', '.mp3': 'audio/mpeg' };

/** A byte range of a file of `size` bytes, from a `Range` header: one range, or null for the whole file; 'unsatisfiable' for 416. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  if (header === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges, or another unit: the whole file (RFC 9110 lets a server ignore Range).
  if (!m) return null;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return null;
  let start: number;
  let end: number;
  if (a === '') {
    // The last b bytes.
    const n = Number(b);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
    if (b !== '' && Number(b) < start) return null;
  }
  if (!Number.isSafeInteger(start) || start >= size) return 'unsatisfiable';
  return { start, end };
}

/**
 * `GET /api/recording?call=<id>`: the call's recording, with range requests (`206` and
 * `Content-Range`, `416` past the end), from the recordings directory only: a stored path
 * outside it, climbing out of it with `..`, or a symlink is answered 404 like a call with no
 * recording. Without a recordings directory, no recording is served.
 */
export async function serveRecording(
  dataSource: DataSource,
  recordingsDir: string | null,
  callId: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (recordingsDir === null) throw new HttpError(404, 'No recordings directory is configured (CONVERSATION_LOG_RECORDINGS_DIR).');
  const recording = await getRecording(dataSource, callId);
  const file = recording === null ? null : await recordingInside(recordingsDir, recording.path);
  if (file === null) throw new HttpError(404, 'No recording of this call in the recordings directory.');
  const { size } = await fs.promises.stat(file);
  const ext = file.slice(file.lastIndexOf('.')).toLowerCase();
  const headers: Record<string, string | number> = {
    'Content-Type': TYPES[ext] ?? 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'private, no-cache',
  };
  const range = parseRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
    res.end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = size === 0 ? 0 : end - start + 1;
  res.writeHead(range ? 206 : 200, {
    ...headers,
    'Content-Length': length,
    ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = fs.createReadStream(file, { start, end });
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
}
