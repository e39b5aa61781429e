#!/usr/bin/env -S node --import tsx
import { findCallerFolder } from './caller-folder';
import { main } from './index';

// `signet serve` stops cleanly on SIGINT/SIGTERM (requests in flight finish, the database closes); every other
// command keeps Node's default, so Ctrl-C stops it at once.
const stop = new AbortController();
if (process.argv[2] === 'serve') {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
}

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: findCallerFolder(process.cwd(), process.env),
  signal: stop.signal,
});
