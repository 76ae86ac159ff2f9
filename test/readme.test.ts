import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, inject, it } from 'vitest';

const run = promisify(execFile);

it('the README API example is examples/quickstart.ts and runs as written', async () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Use the API'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(block).toBe(fs.readFileSync('examples/quickstart.ts', 'utf8'));

  // Run it against a fresh SQLite file, with the package import pointing at this checkout's source.
  const file = path.join(inject('tmpDir'), 'readme-example.mts');
  fs.writeFileSync(file, block!.replace("from 'livekit-conversation-log'", `from '${path.resolve('src/index.ts')}'`));
  const { stdout } = await run('npx', ['tsx', file], {
    env: { ...process.env, DATABASE_URL: `sqlite:${path.join(inject('tmpDir'), 'readme.db')}`, LOG_LEVEL: 'error' },
    timeout: 60_000,
  });
  expect(stdout).toContain('user: Hello, can you help me?\nassistant: Of course! How can I help you?');
  expect(stdout).toContain('Total calls: 1');
  expect(stdout).toContain('Success rate: 100.0%');
  expect(stdout).toContain('Average response time: 1200.0ms');
  expect(stdout).toContain('Total cost: $0.0012');
  expect(stdout).toContain('Deleted 0 old calls');
}, 90_000);
