// Test helpers for the CLI: streams that record what is written (optionally posing as a terminal), and an
// in-process `main()` run with them.
import { Writable } from 'node:stream';

import { main } from '../index';

/** A stream that records what is written; `isTTY` and `columns` make it pose as a terminal. */
export interface CaptureStream extends Writable {
  isTTY?: boolean;
  columns?: number;
  /** Everything written so far. */
  text(): string;
}

export function createCaptureStream(tty?: { columns: number }): CaptureStream {
  let written = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      written += chunk.toString();
      callback();
    },
  }) as CaptureStream;
  if (tty) {
    stream.isTTY = true;
    stream.columns = tty.columns;
  }
  stream.text = () => written;
  return stream;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (untyped, as JSON.parse gives it), `undefined` when it is not JSON. */
  json: ReturnType<typeof JSON.parse>;
}

export interface RunCliOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Make both streams pose as one terminal this wide (as when both are the terminal). */
  tty?: { columns: number };
  signal?: AbortSignal;
}

/** Runs `signet ARGS` in-process; the environment is only `options.env` (no CI unless given). */
export async function runCli(args: string[], options: RunCliOptions): Promise<CliRun> {
  const stdout = createCaptureStream(options.tty);
  const stderr = createCaptureStream(options.tty);
  const code = await main(args, {
    stdout,
    stderr,
    env: options.env ?? {},
    cwd: options.cwd,
    signal: options.signal,
  });
  let json: unknown;
  try {
    json = JSON.parse(stdout.text());
  } catch {
    json = undefined;
  }
  return { code, stdout: stdout.text(), stderr: stderr.text(), json };
}
