import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createContext } from '../../src/cli/context.js';
import { run } from '../../src/cli/run.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { useBuiltCli, type Run } from '../support/built-cli.js';
import { describeEachBackend, freshDatabaseUrl, openLogger, type Backend } from '../support/stores.js';

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
// eslint-disable-next-line no-control-regex -- looking for escape sequences is the point
const ESCAPES = /[\u001b\u009b]/;

// The CLI as users run it: the package built with tsc, run by node as a subprocess.
const built = useBuiltCli('cli-search');
const convlog = (args: string[], env: Record<string, string | undefined>, cwd?: string): Promise<Run> => built.run(args, env, cwd);

/** `convlog` run in this process with a stdout that says it is a terminal. */
async function onTerminal(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const ctx = createContext();
  const out = new PassThrough();
  let stdout = '';
  out.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  ctx.stdout = Object.assign(out, { isTTY: true, columns: 100 });
  ctx.env = env;
  const code = await run(args, ctx);
  return { code, stdout, stderr: '' };
}

describeEachBackend('convlog search (the built CLI)', (backend: Backend) => {
  let logger: ConversationLogger;
  let env: Record<string, string>;

  beforeAll(async () => {
    const url = await freshDatabaseUrl(backend);
    logger = await openLogger(backend, { databaseUrl: url });
    const calls = [
      { callId: 'search-call-0001-with-a-long-id', caller: '+15550100', room: 'room-a', agent: 'billing', at: T0 },
      { callId: 'search-call-0002', caller: '+15550199', room: 'room-b', agent: 'sales', at: T0 + 60_000 },
    ];
    for (const c of calls) {
      await logger.startCall({ callId: c.callId, callerNumber: c.caller, livekitRoom: c.room, agentName: c.agent, startedAt: c.at });
      const conversationId = await logger.startConversation({ callId: c.callId });
      await logger.logUserMessage({
        conversationId,
        content: `I need a refund \u001b[31mnow\u001b[0m for order ${c.callId}`,
        createdAt: c.at + 1000,
      });
      await logger.logAssistantMessage({
        conversationId,
        content: 'The refund is on its way',
        processingTimeMs: 400,
        createdAt: c.at + 2000,
      });
    }
    env = { DATABASE_URL: url };
  }, 60_000);
  afterAll(async () => {
    await logger?.close();
  });

  it('given a query, when run into a pipe, then each match shows its UTC time, role, whole call id and a plain snippet, newest first', async () => {
    const r = await convlog(['search', 'refund'], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toBe('2026-11-20 09:01:02  assistant  search-call-0002');
    expect(lines[1]).toBe('  The refund is on its way');
    expect(lines[2]).toBe('2026-11-20 09:01:01  user       search-call-0002');
    expect(lines[5]).toBe('  The refund is on its way');
    // The transcript's escape characters are spaces on the terminal.
    expect(lines[7]).toMatch(/^ {2}.*refund {2}\[31mnow \[0m for order search-call-0001-with-a-long-id$/);
    expect(r.stdout).toContain('search-call-0001-with-a-long-id');
    // No colour into a pipe, and no escape sequence from a transcript either.
    expect(r.stdout).not.toMatch(ESCAPES);
  });

  it('given filters, sort and a limit, when run with --json, then the matches are machine-readable and within every filter', async () => {
    const r = await convlog(
      ['search', 'refund', '--role', 'user', '--agent', 'billing', '--since', '2026-11-01', '--sort', 'rank', '-n', '5', '--json'],
      env,
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      matches: Array<{ callId: string; role: string; snippet: Array<{ text: string; match: boolean }> }>;
      more: boolean;
    };
    expect(out.matches.map((m) => [m.callId, m.role])).toEqual([['search-call-0001-with-a-long-id', 'user']]);
    expect(out.matches[0]!.snippet.filter((p) => p.match).map((p) => p.text)).toEqual(['refund']);
    expect(out.more).toBe(false);
    const byNumber = JSON.parse((await convlog(['search', '+15550199', '--json'], env)).stdout) as { matches: Array<{ callId: string }> };
    expect(new Set(byNumber.matches.map((m) => m.callId))).toEqual(new Set(['search-call-0002']));
    const limited = JSON.parse((await convlog(['search', 'refund', '-n', '1', '--json'], env)).stdout) as {
      matches: unknown[];
      more: boolean;
    };
    expect(limited.matches).toHaveLength(1);
    expect(limited.more).toBe(true);
  });

  it('given a query that cannot be parsed or bad flags, when run, then it says what to change and exits 2', async () => {
    for (const [args, says] of [
      [['search', '"refund'], /INVALID_SEARCH_QUERY: .*closing "/],
      [['search', '--', '-refund'], /Add a word/],
      [['search'], /needs a query/],
      [['search', 'refund', '--role', 'robot'], /--role must be one of/],
      [['search', 'refund', '--sort', 'oldest'], /--sort must be one of/],
    ] as const) {
      const r = await convlog([...args], env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(says);
      expect(r.stderr).not.toMatch(/SQLITE|syntax error|tsquery|at Object|node:internal/);
    }
    const nothing = await convlog(['search', 'zebra'], env);
    expect(nothing).toMatchObject({ code: 0, stdout: 'no messages match\n' });
  });

  it('given --help, when run, then it documents the query language and the flags', async () => {
    const r = await convlog(['search', '--help'], env);
    expect(r.code).toBe(0);
    for (const text of ['"call me back"', 'refund*', '-voicemail', '--role', '--since', '--agent', '--room', '--sort', '-n, --limit'])
      expect(r.stdout).toContain(text);
  });

  it('given a terminal, when searching, then the matched words are bold; with NO_COLOR they are plain', async () => {
    const url = ['--database-url', env['DATABASE_URL']!];
    const tty = await onTerminal(['search', 'refund', '-n', '1', ...url], { ...process.env, NO_COLOR: '', TERM: 'xterm' });
    expect(tty.code).toBe(0);
    expect(tty.stdout).toContain('\u001b[1m');
    expect(tty.stdout).toContain(`The \u001b[1m\u001b[33mrefund\u001b[39m\u001b[22m is on its way`);
    const noColor = await onTerminal(['search', 'refund', '-n', '1', ...url], { ...process.env, NO_COLOR: '1' });
    expect(noColor.stdout).not.toMatch(ESCAPES);
  });
});
