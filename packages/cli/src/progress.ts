import type { CliContext } from './context';

/** Progress callback for long work: a single updating line on a TTY, nothing in CI, pipes or `--json`. */
export type Progress = (label: string, done: number, total: number) => void;

export function createProgress(context: CliContext, json: boolean): { update: Progress; done: () => void } {
  const tty = context.stderr.isTTY === true && !json && !context.env.CI;
  let shown = false;
  return {
    update(label, done, total) {
      if (!tty) return;
      shown = true;
      context.stderr.write(`\r\x1b[2K${label} ${done}/${total}`);
    },
    done() {
      if (shown) context.stderr.write('\r\x1b[2K');
    },
  };
}
