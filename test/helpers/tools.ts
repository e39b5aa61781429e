import { execFileSync } from 'node:child_process';

/** True when `command` is on the PATH. */
export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Says loudly, once per file, that a suite is skipped because a tool is missing. The suite name carries the
 * reason too, so the skip shows in the summary.
 */
export function requireTool(command: string): boolean {
  const present = hasCommand(command);
  if (!present) {
    console.warn(
      `\n*** SKIPPED: ${command} is not on the PATH; the tests that need a real ${command} did not run. ***\n`,
    );
  }
  return present;
}
