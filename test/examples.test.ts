import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, inject, it } from 'vitest';

const run = promisify(execFile);

it('npm run demo places a phone call through a real AgentSession and prints what the store recorded', async () => {
  const file = path.join(inject('tmpDir'), 'demo.db');
  const { stdout } = await run('npx', ['tsx', 'examples/demo.ts'], {
    env: { ...process.env, DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'error' },
    timeout: 90_000,
  });
  // The transcript, in speaking order, with STT confidence, the tool call and the interruption.
  const lines = stdout.split('\n');
  const order = [
    'user: Hi, I need help with my booking  [STT confidence 0.94]',
    'assistant: Of course. What is your booking reference?',
    'user: It is K7Q2XZ  [STT confidence 0.81]',
    'tool: lookup_booking({"reference":"K7Q2XZ"}) →',
    'assistant: I found it: flight LK 204',
    'user: Can I move to a window seat?  [STT confidence 0.90]',
    'assistant: Done. You are now in seat 14A',
    'user: Great, thanks, that is all  [STT confidence 0.96]',
    'assistant: You are welcome. Have a good flight!',
  ].map((want) => lines.findIndex((l) => l.trim().startsWith(want)));
  expect(order.every((i) => i >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  expect(lines[order[6]!]).toContain('[interrupted]');
  // A waterfall under each answer; the slow one is over the SLA.
  expect(lines[order[6]! + 1]).toMatch(/e2e +\d+ ms = EOU +\d+ \+ LLM TTFT +\d+ \+ TTS TTFB +\d+ \+ other +-?\d+ +⚠ over SLA/);
  expect(lines[order[1]! + 1]).toMatch(/e2e +\d+ ms = EOU/);
  expect(stdout).toContain('calls      1 total, 1 completed, 0 failed, success rate 100.0%');
  expect(stdout).toMatch(/responses {2}4: avg \d+ ms/);
  expect(stdout).toMatch(/cost {7}\$0\.\d{5} = LLM \$0\.\d{5} \+ STT \$0\.\d{5} \+ TTS \$0\.\d{5}/);

  // …and it is in the file, where the default configuration put it.
  const db = new Database(file, { readonly: true });
  const call = db.prepare('SELECT status, caller_number, livekit_room FROM calls').get() as Record<string, unknown>;
  const turns = db.prepare('SELECT COUNT(*) AS n FROM turns').get() as { n: number };
  db.close();
  expect(call).toEqual({ status: 'completed', caller_number: '+15550100', livekit_room: 'demo-room' });
  expect(turns.n).toBe(4);
}, 120_000);

it('examples/agent.ts loads as a LiveKit agent with the dev and start commands', async () => {
  const { stdout } = await run('npx', ['tsx', 'examples/agent.ts', '--help'], { timeout: 60_000 });
  expect(stdout).toMatch(/^ +start \[options\] +Start the worker in production mode/m);
  expect(stdout).toMatch(/^ +dev \[options\]/m);
}, 90_000);
