import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DataSource } from 'typeorm';
import { latestLogPosition, LogFollower } from '../queries/log-after.js';

/**
 * Server-sent events from the log: `GET /api/live?after=N` streams every event after position
 * N (or after the newest one when N is absent) as `event: log` with `id:` = its position, so a
 * reconnecting `EventSource` resumes where it left off (`Last-Event-ID`). Each stream polls the
 * log by position, which works across processes and on PostgreSQL.
 */
/** Live streams served at once by default: each polls the store, so they are bounded. */
export const DEFAULT_MAX_LIVE_CLIENTS = 50;

export class LiveStreams {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: { pollMs: number; heartbeatMs?: number; maxClients?: number; onError: (error: unknown) => void },
  ) {}

  get size(): number {
    return this.open.size;
  }

  async serve(req: IncomingMessage, res: ServerResponse, after: number | undefined, callId: string | undefined): Promise<void> {
    // Each stream polls the store: past the cap a new one is refused (the browser's EventSource retries later).
    if (this.open.size >= (this.options.maxClients ?? DEFAULT_MAX_LIVE_CLIENTS)) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '5', 'Cache-Control': 'no-store' });
      res.end('Too many live views are open; close one or try again shortly.');
      return;
    }
    const lastEventId = Number(req.headers['last-event-id']);
    const start =
      Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? lastEventId : (after ?? (await latestLogPosition(this.dataSource)));
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write(`retry: 2000\nevent: ready\ndata: ${JSON.stringify({ position: start })}\n\n`);
    const follower = new LogFollower(this.dataSource, start, callId === undefined ? {} : { callId });
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    let lastWrite = Date.now();
    const stop = () => {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      this.open.delete(stop);
      res.end();
    };
    this.open.add(stop);
    req.on('close', stop);
    res.on('error', stop);
    const tick = async () => {
      timer = undefined;
      try {
        const batch = await follower.poll();
        if (closed) return;
        let ok = true;
        for (const e of batch) ok = res.write(`id: ${e.position}\nevent: log\ndata: ${JSON.stringify(e)}\n\n`) && ok;
        if (batch.length) lastWrite = Date.now();
        else if (Date.now() - lastWrite >= (this.options.heartbeatMs ?? 15_000)) {
          ok = res.write(': keep-alive\n\n') && ok;
          lastWrite = Date.now();
        }
        // A slow client: wait until its buffer drains before reading more.
        if (!ok) await new Promise<void>((resolve) => res.once('drain', resolve));
      } catch (error) {
        this.options.onError(error);
      }
      if (!closed) timer = setTimeout(() => void tick(), this.options.pollMs);
    };
    void tick();
  }

  /** Ends every open stream (on shutdown). */
  closeAll(): void {
    for (const stop of [...this.open]) stop();
  }
}
