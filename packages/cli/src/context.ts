/** What a command may touch of the outside world; tests pass their own. */
export interface CliContext {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM: long-running commands (`serve`) stop cleanly. */
  signal?: AbortSignal | undefined;
}

/** Exit codes, as design.md §5.1 fixes them. */
export const EXIT = { ok: 0, problems: 1, usage: 2, failure: 3 } as const;

/** A wrong invocation: unknown flag, missing argument, bad value, unreadable input or config (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code: string;

  constructor(message: string, code = 'USAGE') {
    super(message);
    this.code = code;
  }
}
