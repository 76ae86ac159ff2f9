import { execFile } from 'node:child_process';
import { ffmpegPath } from './decode.js';

/** The prober next to the decoder: `CONVERSATION_LOG_FFPROBE`, else `ffprobe` beside a given ffmpeg, else on the PATH. */
export const ffprobePath = (env: NodeJS.ProcessEnv = process.env): string => {
  const explicit = env['CONVERSATION_LOG_FFPROBE']?.trim();
  if (explicit) return explicit;
  const ffmpeg = ffmpegPath(env);
  return ffmpeg.endsWith('ffmpeg') ? `${ffmpeg.slice(0, -'ffmpeg'.length)}ffprobe` : 'ffprobe';
};

/** The duration of an audio file in ms (ffprobe reads the container, not the audio), or null when it cannot tell. */
export function probeDurationMs(file: string, timeoutMs = 10_000): Promise<number | null> {
  return new Promise((resolve) => {
    execFile(
      ffprobePath(),
      ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=noprint_wrappers=1:nokey=1', file],
      { timeout: timeoutMs },
      (error, stdout) => {
        const seconds = Number(String(stdout).trim());
        resolve(error || !Number.isFinite(seconds) ? null : Math.round(seconds * 1000));
      },
    );
  });
}
