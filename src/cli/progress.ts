import cliProgress from 'cli-progress';

/**
 * A progress bar on stderr for long work (cleanup, rebuild, export, import), drawn by
 * `cli-progress`: done of total, the rate per second and the time left. Drawn only when the
 * stream is a terminal; silent otherwise, so pipes and logs stay clean.
 */
export class Progress {
  private readonly bar: cliProgress.SingleBar | null;
  private readonly started = Date.now();
  private started_ = false;

  constructor(
    stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    label: string,
    private readonly total: number | null = null,
    unit = 'items',
  ) {
    this.bar =
      stream.isTTY === true
        ? new cliProgress.SingleBar(
            {
              stream,
              format:
                total === null
                  ? `${label} {value} ${unit} | {rate}/s | {duration_formatted}`
                  : `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate}/s | {eta_formatted} left`,
              fps: 10,
              etaBuffer: 50,
              hideCursor: true,
              clearOnComplete: true,
              barsize: 30,
            },
            cliProgress.Presets.shades_classic,
          )
        : null;
  }

  update(done: number): void {
    if (!this.bar) return;
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    const payload = { rate: Math.round(done / seconds) };
    if (!this.started_) {
      this.started_ = true;
      this.bar.start(this.total ?? 0, done, payload);
    } else this.bar.update(done, payload);
  }

  done(): void {
    if (this.bar && this.started_) this.bar.stop();
  }
}
