import { spawn } from 'node:child_process';
import { ConversationLogError } from '../errors.js';

/** The decoder `convlog` runs: `CONVERSATION_LOG_FFMPEG`, else `ffmpeg` on the PATH (Debian: `/usr/bin/ffmpeg`). */
export const ffmpegPath = (env: NodeJS.ProcessEnv = process.env): string => env['CONVERSATION_LOG_FFMPEG']?.trim() || 'ffmpeg';

/** A recording decoded to 16-bit PCM, one array per channel. */
export interface DecodedAudio {
  sampleRate: number;
  channels: Int16Array[];
  /** Samples per channel. */
  length: number;
}

/**
 * Decodes an audio file to raw PCM with ffmpeg as a child process (`-f s16le`), at `sampleRate`
 * (16 kHz by default, plenty for voice activity), keeping `channels` channels apart.
 *
 * @remarks
 * Opus pre-skip and codec delay are ffmpeg's to remove, so sample 0 is the recording's first
 * sample. Runs off any agent's path (after the call); memory is 2 bytes per sample per channel
 * (a 10-minute stereo call at 16 kHz: about 38 MB).
 * @throws ConversationLogError `RECORDING_UNREADABLE` when ffmpeg is missing or cannot read the file.
 */
export async function decodeToPcm(
  file: string,
  options: { sampleRate?: number; channels?: number; ffmpeg?: string } = {},
): Promise<DecodedAudio> {
  const sampleRate = options.sampleRate ?? 16_000;
  const channels = options.channels ?? 2;
  const bin = options.ffmpeg ?? ffmpegPath();
  const args = ['-nostdin', '-hide_banner', '-v', 'error', '-i', file, '-map', '0:a:0', '-ac', String(channels), '-ar', String(sampleRate)];
  args.push('-f', 's16le', '-acodec', 'pcm_s16le', 'pipe:1');
  const chunks: Buffer[] = [];
  let stderr = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < 4000) stderr += b.toString('utf8');
    });
    child.on('error', (error) =>
      reject(unreadable(file, `cannot run ${bin} (${error.message}); install ffmpeg or set CONVERSATION_LOG_FFMPEG`)),
    );
    child.on('close', resolve);
  });
  if (code !== 0) throw unreadable(file, `${bin} exited with ${String(code)}: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
  const all = Buffer.concat(chunks);
  const frames = Math.floor(all.length / (2 * channels));
  const out = Array.from({ length: channels }, () => new Int16Array(frames));
  for (let i = 0; i < frames; i++) for (let ch = 0; ch < channels; ch++) out[ch]![i] = all.readInt16LE((i * channels + ch) * 2);
  return { sampleRate, channels: out, length: frames };
}

const unreadable = (file: string, problem: string) =>
  new ConversationLogError('RECORDING_UNREADABLE', `Cannot decode the recording ${file}: ${problem}.`, { field: 'recording' });
