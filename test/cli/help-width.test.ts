import { expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/run.js';

it('given any convlog command, when its --help is printed, then every line fits a 100-column terminal', () => {
  const wide = COMMANDS.flatMap((c) =>
    c.help
      .split('\n')
      .filter((line) => line.length > 100)
      .map((line) => `${c.name}: ${line.length} columns: ${line.slice(0, 60)}…`),
  );
  expect(wide).toEqual([]);
});
