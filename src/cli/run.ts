import { isConversationLogError } from '../errors.js';
import { PACKAGE_VERSION } from '../plugin/plugin.js';
import type { Command } from './command.js';
import { createContext, type CliContext } from './context.js';
import { analyze } from './commands/analyze.js';
import { calls } from './commands/calls.js';
import { diff } from './commands/diff.js';
import { cleanup, rebuild, serve } from './commands/maintenance.js';
import { measureAudio } from './commands/measure-audio.js';
import { migrate } from './commands/migrate.js';
import { search } from './commands/search.js';
import { show } from './commands/show.js';
import { stats } from './commands/stats.js';
import { tail } from './commands/tail.js';
import { exportCommand, importCommand } from './commands/transfer.js';
import { webhooks } from './commands/webhooks.js';
import { EXIT, NotFoundError, UsageError } from './errors.js';
import { nearest } from './suggest.js';

export const COMMANDS: Command[] = [
  migrate,
  calls,
  show,
  search,
  stats,
  diff,
  analyze,
  tail,
  exportCommand,
  importCommand,
  measureAudio,
  cleanup,
  rebuild,
  serve,
  webhooks,
];

const usage = () => `Usage: convlog <command> [options]

See, follow, export and maintain the call record of your LiveKit agents.
Reads DATABASE_URL and ./agent.config.ts like the plugin does.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join('\n')}

Run "convlog <command> --help" for a command's options.
Exit codes: 0 ok, 1 failure, 2 usage error, 3 not found;
diff: 4 worse (--fail-on worse), 5 too few calls (--require-significance).
`;

/** Runs `convlog` with `argv` (without node and the script); resolves to the exit code. */
export async function run(argv: string[], ctx: CliContext = createContext()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(usage());
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === '--version' || name === '-V') {
    ctx.stdout.write(`${PACKAGE_VERSION}\n`);
    return EXIT.OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const guess = nearest(
      name,
      COMMANDS.map((c) => c.name),
    );
    ctx.stderr.write(`convlog: unknown command "${name}"${guess ? ` (did you mean "convlog ${guess}"?)` : ''}\n\n${usage()}`);
    return EXIT.USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.stdout.write(`${command.help}\n`);
    return EXIT.OK;
  }
  try {
    return await command.run(rest, ctx);
  } catch (error) {
    const failure = describeFailure(error);
    if (rest.includes('--json')) {
      // One JSON line a script can parse; stdout keeps only results.
      const body = { command: command.name, code: failure.code, message: failure.message, exitCode: failure.exitCode };
      ctx.stderr.write(`${JSON.stringify({ error: failure.field === undefined ? body : { ...body, field: failure.field } })}\n`);
    } else {
      const code = isConversationLogError(error) ? `${failure.code}: ` : '';
      const hint =
        failure.exitCode === EXIT.USAGE && error instanceof UsageError ? `\nRun "convlog ${command.name} --help" for usage.` : '';
      ctx.stderr.write(`convlog ${command.name}: ${code}${failure.message}${hint}\n`);
    }
    return failure.exitCode;
  } finally {
    await ctx.close();
  }
}

interface Failure {
  exitCode: number;
  /** `USAGE`, `NOT_FOUND`, `FAILURE`, or the `ConversationLogError` code. */
  code: string;
  message: string;
  field?: string | undefined;
}

/** What a command's error means for the exit code, and how it is named. */
function describeFailure(error: unknown): Failure {
  if (error instanceof UsageError) return { exitCode: EXIT.USAGE, code: 'USAGE', message: error.message };
  if (error instanceof NotFoundError) return { exitCode: EXIT.NOT_FOUND, code: 'NOT_FOUND', message: error.message };
  if (isConversationLogError(error)) {
    const exitCode =
      error.code === 'STORE_NOT_FOUND'
        ? EXIT.NOT_FOUND
        : error.code === 'INVALID_ARGUMENT' || error.code === 'CONFIG_INVALID' || error.code === 'INVALID_SEARCH_QUERY'
          ? EXIT.USAGE
          : EXIT.FAILURE;
    return { exitCode, code: error.code, message: error.message, field: error.field };
  }
  return { exitCode: EXIT.FAILURE, code: 'FAILURE', message: (error as Error)?.message ?? String(error) };
}
