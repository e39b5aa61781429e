import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { main } from '@signet/cli';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json` runs). */
  json: any;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Runs the CLI in-process, exactly as bin.ts does, with captured output. */
export async function runSignet(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliRun> {
  const stdout = sink();
  const stderr = sink();
  const code = await main(args, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: { CI: 'true', ...options.env },
    cwd: options.cwd,
  });
  const out = stdout.text();
  let json: unknown;
  try {
    json = JSON.parse(out);
  } catch {
    json = undefined;
  }
  return { code, stdout: out, stderr: stderr.text(), json };
}

export const BIN = fileURLToPath(new URL('../../packages/cli/src/bin.ts', import.meta.url));
// `--import tsx` would resolve from the child's cwd (a temporary folder); give it the loader's absolute URL.
export const TSX_LOADER = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs'),
).href;

/** Runs the real `signet` binary in a child process (as `pnpm signet` does). */
export async function spawnSignet(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', TSX_LOADER, BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, CI: 'true', ...options.env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr, json: tryJson(stdout) };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '', json: tryJson(e.stdout ?? '') };
  }
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
