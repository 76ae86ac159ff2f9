import { collectDefaultMetrics, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { DEFAULT_BUCKET_SLA_MS } from '../metrics/definitions.js';
import { registerPrometheusMetrics } from '../metrics/prometheus.js';
import { MetricsRecorder, type RecordableEvent } from '../metrics/recorder.js';
import type { LogEvent } from '../queries/call-detail.js';
import { latestLogPosition, LogFollower } from '../queries/log-after.js';
import { select } from '../queries/sql.js';

export interface FleetMetricsOptions {
  /** The SLA threshold (ms) the latency buckets are placed around; default 1500. */
  slaThresholdMs?: number;
  /** How often the log is read between scrapes (ms); default 1000. */
  pollMs?: number;
  /** Also export prom-client's process metrics (`process_*`, `nodejs_*`) of the serving process; default true. */
  processMetrics?: boolean;
  /** Called with unexpected errors of the background reads. */
  onError: (error: unknown) => void;
}

/**
 * prom-client's process metrics, collected once per process into a registry of their own:
 * `collectDefaultMetrics` installs observers it never removes, so each server must not call it.
 */
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Events read per poll of the log, and polls at most per catch-up (a scrape never waits for more). */
const BATCH = 500;
const MAX_BATCHES_PER_SYNC = 40;

/**
 * The fleet's metrics, from the log: follows the event log of the store (every process writing to
 * it) from its end at the time it starts, and feeds each event to a {@link MetricsRecorder} on its
 * own prom-client `Registry` (never the default one). `convlog serve` answers `GET /metrics` with
 * {@link FleetMetrics.render}.
 *
 * @remarks
 * Counters start at zero when the server starts and count what is committed from then on: a
 * restart is a counter reset, which `rate()` and `increase()` handle. Histories of calls already
 * in progress when it starts are not replayed; their agent's name is read from the `calls` table
 * the first time one of their events arrives. Scrape one `convlog serve` per store: two would
 * each count the whole fleet.
 */
export class FleetMetrics {
  /** The fleet's metrics (without the process metrics, which `render` adds). */
  readonly registry = new Registry();
  private readonly recorder: MetricsRecorder;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly dataSource: DataSource,
    private readonly follower: LogFollower,
    private readonly options: FleetMetricsOptions,
  ) {
    this.recorder = new MetricsRecorder([
      registerPrometheusMetrics({ registry: this.registry, slaThresholdMs: options.slaThresholdMs ?? DEFAULT_BUCKET_SLA_MS }),
    ]);
  }

  /** Starts following the log from its newest position. */
  static async start(dataSource: DataSource, options: FleetMetricsOptions): Promise<FleetMetrics> {
    const follower = new LogFollower(dataSource, await latestLogPosition(dataSource), { batch: BATCH });
    const metrics = new FleetMetrics(dataSource, follower, options);
    metrics.schedule();
    return metrics;
  }

  /** The log position up to which events are counted. */
  get position(): number {
    return this.follower.position;
  }

  /** Reads what the log holds now (one read at a time), then the registry in Prometheus' text format. */
  async render(): Promise<{ contentType: string; body: string }> {
    await this.sync();
    let body = await this.registry.metrics();
    if (this.options.processMetrics ?? true) body += await processMetrics().metrics();
    return { contentType: this.registry.contentType, body };
  }

  /** Records the events committed since the last read (several polls, bounded). Serialised. */
  sync(): Promise<void> {
    const run = this.running.then(() => this.catchUp());
    this.running = run.catch(() => undefined);
    return run;
  }

  /** Stops following the log. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.sync()
        .catch((error: unknown) => this.options.onError(error))
        .finally(() => this.schedule());
    }, this.options.pollMs ?? 1000);
    this.timer.unref();
  }

  private async catchUp(): Promise<void> {
    for (let i = 0; i < MAX_BATCHES_PER_SYNC && !this.closed; i++) {
      const batch = await this.follower.poll();
      await this.learnAgents(batch);
      for (const e of batch) {
        if (e.data === null || typeof e.data !== 'object' || Array.isArray(e.data)) continue;
        this.recorder.record(e as unknown as RecordableEvent);
      }
      if (batch.length < BATCH) return;
    }
  }

  /** Calls that began before the server started: their agent's name, from the `calls` table. */
  private async learnAgents(batch: readonly LogEvent[]): Promise<void> {
    const unknown = new Set<string>();
    const started = new Set<string>();
    for (const e of batch) {
      if (e.callId === null || started.has(e.callId) || unknown.has(e.callId) || this.recorder.knows(e.callId)) continue;
      if (e.type === 'call_started') started.add(e.callId);
      else unknown.add(e.callId);
    }
    const ids = [...unknown];
    for (let i = 0; i < ids.length; i += 200) {
      const chunk = ids.slice(i, i + 200);
      const rows = await select<{ id: string; agent_name: string | null }>(
        this.dataSource,
        `SELECT id, agent_name FROM calls WHERE id IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      );
      for (const r of rows) this.recorder.knowAgent(String(r.id), r.agent_name);
    }
  }
}
