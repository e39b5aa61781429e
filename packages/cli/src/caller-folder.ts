import { dirname, resolve } from 'node:path';

/**
 * The folder relative paths are resolved against: the one `signet` was started from. Run as this repository's
 * `pnpm signet …` script, the process starts in the package root and the caller's folder is `INIT_CWD`; that is
 * trusted only when the script is named `signet` and did not change folder, since npm and pnpm pass `INIT_CWD` on
 * to everything a script starts (an author's `cd infra && signet release` inside `npm run` must stay in `infra`).
 */
export function findCallerFolder(cwd: string, env: Record<string, string | undefined>): string {
  const { INIT_CWD: initCwd, npm_lifecycle_event: script, npm_package_json: manifest } = env;
  if (initCwd === undefined || script !== 'signet' || manifest === undefined) return cwd;
  return resolve(dirname(manifest)) === resolve(cwd) ? resolve(initCwd) : cwd;
}
