import { inspect } from 'node:util';

// Colour for errors and warnings, decided once per stream. The escape codes are Node's own (util.inspect.colors);
// what is not Node's is the decision, because it must follow the stream a command writes to (a test's, or stdout
// when only stderr is a terminal), which picocolors' and styleText's process-wide checks do not. The rules are the
// common ones (no-color.org, force-color.org, and Node's own precedence):
//   1. FORCE_COLOR set: colour, unless it is "0" or "false"; it wins over NO_COLOR, as in Node
//   2. NO_COLOR set and not empty: no colour
//   3. TERM=dumb: no colour
//   4. otherwise colour exactly when the stream is a terminal

/** Wraps text in one colour, or returns it as it is when colour is off. */
export type Paint = (text: string) => string;

export interface Colors {
  enabled: boolean;
  error: Paint;
  warning: Paint;
  ok: Paint;
  dim: Paint;
}

/** Whether to colour what goes to `stream`, from the environment and whether it is a terminal. */
export function isColorEnabled(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** The colours to use for `stream`; every one returns its text unchanged when colour is off. */
export function createColors(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): Colors {
  const enabled = isColorEnabled(stream, env);
  const paint =
    (...names: string[]): Paint =>
    (text) =>
      enabled ? names.reduceRight((inner, name) => wrap(name, inner), text) : text;
  return {
    enabled,
    error: paint('bold', 'red'),
    warning: paint('bold', 'yellow'),
    ok: paint('green'),
    dim: paint('dim'),
  };
}

/** No colour at all: for text that is not written to a stream (tests, JSON, summaries). */
export const NO_COLORS: Colors = createColors({ isTTY: false }, { NO_COLOR: '1' });

function wrap(name: string, text: string): string {
  const [open, close] = inspect.colors[name] ?? [0, 0];
  return `\x1b[${open}m${text}\x1b[${close}m`;
}
