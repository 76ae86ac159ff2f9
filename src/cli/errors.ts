/** Exit codes of `convlog` (documented in docs/cli.md). */
export const EXIT = {
  OK: 0,
  /** The command could not do its work (database unreachable, a write refused, …). */
  FAILURE: 1,
  /** Bad usage: unknown command or flag, a missing or malformed argument. */
  USAGE: 2,
  /** What was asked for does not exist (e.g. `show` of an unknown call). */
  NOT_FOUND: 3,
  /** `diff --fail-on worse`: a compared row got worse. */
  WORSE: 4,
  /** `diff --require-significance`: too few calls on a side to tell. */
  NOT_SIGNIFICANT: 5,
} as const;

/** A usage error: printed with the command's help hint, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = EXIT.USAGE;
}

/** Something asked for is not in the store: exit code 3. */
export class NotFoundError extends Error {
  readonly exitCode = EXIT.NOT_FOUND;
}
