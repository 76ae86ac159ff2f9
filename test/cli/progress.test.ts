import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Progress } from '../../src/cli/progress.js';

/** A stream that says it is (or is not) a terminal, and keeps what was written to it. */
function stream(isTTY: boolean) {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; columns: number; cursorTo?: unknown };
  s.isTTY = isTTY;
  s.columns = 120;
  let written = '';
  s.on('data', (d: Buffer) => (written += d.toString('utf8')));
  return { s, text: () => written };
}

const tick = () => new Promise((r) => setTimeout(r, 120));

describe('progress of long commands (export, import, cleanup, rebuild)', () => {
  it('given a terminal, when work advances, then it shows done of total, the rate and the time left', async () => {
    const { s, text } = stream(true);
    const progress = new Progress(s, 'exporting jsonl', 2000, 'events');
    for (const done of [100, 700, 1400]) {
      progress.update(done);
      await tick();
    }
    progress.done();
    expect(text()).toMatch(/exporting jsonl \[[█░]+\] \d+% \| 1400\/2000 events \| \d+\/s \| (\d+s|\d+m\d+s|0s) left/);
  });

  it('given a terminal and work of unknown size, when it advances, then it shows the count and the rate', async () => {
    const { s, text } = stream(true);
    const progress = new Progress(s, 'importing', null, 'reports');
    progress.update(5);
    await tick();
    progress.update(12);
    await tick();
    progress.done();
    expect(text()).toMatch(/importing 12 reports \| \d+\/s \| \d+s/);
  });

  it('given a pipe or a file, when work advances, then nothing is written', async () => {
    const { s, text } = stream(false);
    const progress = new Progress(s, 'exporting csv', 10, 'messages');
    progress.update(5);
    await tick();
    progress.done();
    expect(text()).toBe('');
  });
});
