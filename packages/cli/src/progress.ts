import type { CliContext } from './context';
import { formatSize } from './render';

// Progress for long work, on stderr: one line per phase (packaging, hashing, validating, uploading), rewritten in
// place while the phase runs and left standing, in its final state, when the next one starts. Only on a terminal
// and never in CI or with --json, where a log or a parser reads the output. The command's result goes to stdout
// and does not repeat these lines (when both streams are the terminal, each line is seen once); when progress is
// off, a command puts its notes (`notes`) into its result instead.

/** Redraws of one phase line are at most this often (uploads report every chunk); the last state is always drawn. */
const REDRAW_MS = 100;

export interface Progress {
  /** True when progress is shown (stderr is a terminal, not CI, not --json). */
  readonly enabled: boolean;
  /** Starts a phase line (`packaging`), ending the previous one. */
  phase: (label: string, detail?: string) => void;
  /** Counts in the current phase: `packaging 3/4 platforms`. */
  count: (done: number, total: number, unit?: string) => void;
  /** `phase(label)` unless it is the current one, then `count(done, total)`: for a callback that names its phase. */
  update: (label: string, done: number, total: number) => void;
  /** Bytes in the current phase, with the rate since the phase started: `uploading x.zip 3.0 MiB/12.0 MiB 1.5 MiB/s`. */
  bytes: (what: string, done: number, total: number) => void;
  /** What the current phase is doing now (`writing x.zip`), redrawn at most every 100 ms. */
  status: (text: string) => void;
  /** A line of its own that stays (`Created namespace acme.`), between phases. */
  note: (line: string) => void;
  /** Ends the current phase line. Safe to call more than once, and when nothing was shown. */
  done: () => void;
}

export interface ProgressOptions {
  /** Milliseconds of a monotonic clock; tests pass their own to get a known rate. */
  now?: () => number;
}

/** Progress on `context.stderr`, or a quiet one when that is not a terminal, in CI (`CI` set) or with `--json`. */
export function createProgress(context: CliContext, json: boolean, options: ProgressOptions = {}): Progress {
  const stream = context.stderr as CliContext['stderr'] & { columns?: number };
  const enabled = stream.isTTY === true && !json && !context.env.CI;
  const now = options.now ?? (() => performance.now());
  let label: string | undefined;
  let startedAt = 0;
  let drawnAt = Number.NEGATIVE_INFINITY;
  let open = false;

  const draw = (text: string, final: boolean): void => {
    const at = now();
    if (!final && at - drawnAt < REDRAW_MS) return;
    drawnAt = at;
    // One screen line: a line wider than the terminal wraps, and `\r` would then rewrite only its last part.
    const width = Math.max((stream.columns ?? 80) - 1, 20);
    const line = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    stream.write(`\r\x1b[2K${line}`);
    open = true;
  };
  const end = (): void => {
    if (open) stream.write('\n');
    open = false;
    label = undefined;
  };

  if (!enabled) {
    const quiet = (): void => {};
    return {
      enabled,
      phase: quiet,
      count: quiet,
      update: quiet,
      bytes: quiet,
      status: quiet,
      note: quiet,
      done: quiet,
    };
  }
  const progress: Progress = {
    enabled,
    phase(next, detail) {
      end();
      label = next;
      startedAt = now();
      drawnAt = Number.NEGATIVE_INFINITY;
      draw(detail === undefined ? `${next}…` : `${next} ${detail}`, true);
    },
    count(done, total, unit) {
      draw(`${label ?? ''} ${done}/${total}${unit === undefined ? '' : ` ${unit}`}`, done >= total);
    },
    update(next, done, total) {
      if (next !== label) progress.phase(next);
      progress.count(done, total);
    },
    bytes(what, done, total) {
      const seconds = (now() - startedAt) / 1000;
      const rate = seconds > 0 ? `  ${formatSize(Math.round(done / seconds))}/s` : '';
      draw(`${label ?? ''} ${what} ${formatSize(done)}/${formatSize(total)}${rate}`, done >= total);
    },
    status(text) {
      draw(`${label ?? ''} ${text}`, false);
    },
    note(line) {
      end();
      stream.write(`${line}\n`);
    },
    done: end,
  };
  return progress;
}
