import type { CliContext } from './context.js';

/** One `convlog` command. */
export interface Command {
  name: string;
  /** One line for `convlog --help`. */
  summary: string;
  /** The full `--help` text. */
  help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: string[], ctx: CliContext): Promise<number>;
}

/** The help text of the flags every command takes. */
export const COMMON_HELP = `Common options:
  --json               machine-readable output (JSON) on stdout
  --config <file>      agent.config.ts (or .js) to read; default: ./agent.config.* if present
  --database-url <url> the store; default: DATABASE_URL, else the config file,
                       else sqlite:./data/voice_ai.db
  -h, --help           this help
Environment: CONVERSATION_LOG_READ_URL=postgres://… (a read replica of a PostgreSQL store): the
  read-only commands (calls, show, stats, search, tail, export, diff) and serve's dashboard
  read from it.`;
