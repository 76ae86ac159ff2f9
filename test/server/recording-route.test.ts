import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRecordingAvailableEvent } from '../../src/events/create.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { startDashboardServer, type DashboardServer } from '../../src/server/index.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

const TOKEN = 'recording-token-0123456789';
const BYTES = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

describeEachBackend('GET /api/recording (range requests, the recordings directory only)', (backend) => {
  let logger: ConversationLogger;
  let server: DashboardServer;
  let root: string;
  let dir: string;
  let base: string;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const get = (call: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/api/recording?call=${encodeURIComponent(call)}`, { headers: { ...auth, ...headers } });

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'convlog-route-'));
    dir = path.join(root, 'recordings');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'good.ogg'), BYTES);
    fs.writeFileSync(path.join(root, 'secret.ogg'), 'secret');
    fs.symlinkSync(path.join(root, 'secret.ogg'), path.join(dir, 'link.ogg'));
    logger = await openLogger(backend, { recordingsDir: dir });
    const paths: Record<string, string> = {
      good: path.join(dir, 'good.ogg'),
      climbing: path.join(dir, '..', 'secret.ogg'),
      encoded: path.join(dir, '%2e%2e', 'secret.ogg'),
      absolute: path.join(root, 'secret.ogg'),
      etc: '/etc/passwd',
      symlink: path.join(dir, 'link.ogg'),
      relative: '../secret.ogg',
    };
    for (const [callId, file] of Object.entries(paths)) {
      await logger.startCall({ callId });
      await logger.append(createRecordingAvailableEvent({ callId, path: file, startedAt: Date.now() }));
    }
    server = await startDashboardServer({ logger, port: 0, token: TOKEN });
    base = server.url.replace(/\/$/, '');
  });
  afterAll(async () => {
    await server?.close();
    await logger?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('given a recording in the directory, serves it whole, or the range asked for with 206 and Content-Range', async () => {
    const whole = await get('good');
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('content-type')).toBe('audio/ogg');
    expect(Buffer.from(await whole.arrayBuffer()).equals(BYTES)).toBe(true);

    const part = await get('good', { range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/1000');
    expect(Buffer.from(await part.arrayBuffer()).equals(BYTES.subarray(100, 200))).toBe(true);

    const open = await get('good', { range: 'bytes=990-' });
    expect([open.status, open.headers.get('content-range')]).toEqual([206, 'bytes 990-999/1000']);
    expect((await open.arrayBuffer()).byteLength).toBe(10);

    const tail = await get('good', { range: 'bytes=-5' });
    expect([tail.status, tail.headers.get('content-range')]).toEqual([206, 'bytes 995-999/1000']);
    expect(Buffer.from(await tail.arrayBuffer()).equals(BYTES.subarray(995))).toBe(true);

    const clipped = await get('good', { range: 'bytes=900-5000' });
    expect([clipped.status, clipped.headers.get('content-range')]).toEqual([206, 'bytes 900-999/1000']);
    await clipped.arrayBuffer();
  });

  it('answers a range past the end 416 with the size', async () => {
    const past = await get('good', { range: 'bytes=1000-' });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */1000');
    await past.arrayBuffer();
  });

  it('never serves a file outside the directory: .., encoded dot-segments, absolute paths, symlinks, relative paths', async () => {
    for (const call of ['climbing', 'encoded', 'absolute', 'etc', 'symlink', 'relative', 'no-such-call', '../good', '%2e%2e']) {
      const res = await get(call);
      expect(res.status, call).toBe(404);
      expect(await res.text(), call).not.toContain('secret');
    }
  });

  it("is under the dashboard's token, and keeps its CSP (scripts from this origin only, media from it too)", async () => {
    const res = await fetch(`${base}/api/recording?call=good`);
    expect(res.status).toBe(401);
    await res.arrayBuffer();
    const ok = await get('good');
    const csp = ok.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("media-src 'self'");
    await ok.arrayBuffer();
  });
});
