/**
 * A progress bar on stderr for long work (cleanup, rebuild, export, import). Drawn only when
 * stderr is a terminal, at most ten times a second; silent otherwise, so pipes and logs stay clean.
 */
export class Progress {
  private last = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly label: string,
    private readonly total: number | null = null,
  ) {
    this.enabled = stream.isTTY === true;
  }

  update(done: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const width = 30;
    let text: string;
    if (this.total && this.total > 0) {
      const f = Math.min(1, done / this.total);
      const filled = Math.round(f * width);
      text = `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${this.total}`;
    } else {
      text = `${this.label} ${done}…`;
    }
    this.stream.write(`\r${text}\u001b[K`);
  }

  done(): void {
    if (this.enabled) this.stream.write('\r\u001b[K');
  }
}
