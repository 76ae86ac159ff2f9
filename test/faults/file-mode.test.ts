import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import { expect, inject, it } from 'vitest';
import { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { quietLog } from '../support/stores.js';

const mode = (file: string) => fs.statSync(file).mode & 0o777;

it('given a store file and its -wal and -shm readable by everyone (0644), when a logger opens it, then all three become 0600 and a warning says so [sqlite]', async () => {
  const dir = path.join(inject('tmpDir'), `mode-${process.pid}`);
  const file = path.join(dir, 'voice.db');
  // Another process has the store open (its -wal and -shm exist); someone then opened the files up.
  const first = await ConversationLogger.open({ databaseUrl: `sqlite:${file}`, flushIntervalMs: 5, log: quietLog });
  const callId = await first.startCall({ callId: 'mode' });
  await first.flush();
  const files = [file, `${file}-wal`, `${file}-shm`];
  for (const f of files) fs.chmodSync(f, 0o644);
  expect(files.map(mode)).toEqual([0o644, 0o644, 0o644]);

  const lines: string[] = [];
  const log = winston.createLogger({
    level: 'warn',
    format: winston.format.json(),
    transports: [
      new winston.transports.Stream({ stream: new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }) }),
    ],
  });
  const second = await ConversationLogger.open({ databaseUrl: `sqlite:${file}`, flushIntervalMs: 5, log });
  try {
    expect(files.map(mode)).toEqual([0o600, 0o600, 0o600]);
    const warned = lines.map((l) => JSON.parse(l) as { message: string; file?: string; mode?: string });
    expect(warned.filter((w) => /readable by others/.test(w.message)).map((w) => [w.file, w.mode])).toEqual(files.map((f) => [f, '0644']));
    // Both keep working on the tightened files.
    await second.endCall(await second.startCall({ callId: 'mode-2' }));
    await second.flush();
    await first.endCall(callId);
    await first.flush();
  } finally {
    await second.close();
    await first.close();
  }
});
