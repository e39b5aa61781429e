/**
 * Problems are what the validator returns: data, never exceptions. Every surface (CLI, Action, registry
 * publish, desktop) shows the same codes, so a release that passes locally passes on the server.
 */
export const PROBLEM_CODES = [
  'FILE_MISSING',
  'FILE_UNEXPECTED',
  'FILENAME_VERSION_MISMATCH',
  'FILENAME_NAME_MISMATCH',
  'PLATFORM_UNKNOWN',
  'PLATFORM_DUPLICATE',
  'PLATFORM_REQUIRED_MISSING',
  'SHASUMS_MALFORMED',
  'SHASUMS_ENTRY_MISSING',
  'SHASUMS_MISMATCH',
  'SHASUMS_EXTRA_ENTRY',
  'SIGNATURE_INVALID',
  'SIGNATURE_WRONG_KEY',
  'SIGNATURE_ARMORED',
  'SIGNATURE_UNVERIFIED',
  'KEY_INVALID',
  'KEY_UNSUPPORTED',
  'KEY_EXPIRED',
  'KEY_REVOKED',
  'KEY_WEAK',
  'MANIFEST_INVALID',
  'PROTOCOL_MISMATCH',
  'PROTOCOL_UNSUPPORTED',
  'ZIP_INVALID',
  'ZIP_DIRECTORY_ENTRY',
  'ZIP_UNSAFE_PATH',
  'ZIP_TOO_LARGE',
  'ZIP_NO_EXECUTABLE',
  'BINARY_PLATFORM_MISMATCH',
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number];

export type Severity = 'error' | 'warning';

/** One finding of the validator. `file` is the artifact's base name when the problem is about one file. */
export interface Problem {
  code: ProblemCode;
  severity: Severity;
  message: string;
  file?: string;
}

export interface ProblemOptions {
  file?: string | undefined;
  severity?: Severity;
}

/** Builds a problem; severity defaults to `error`. */
export function createProblem(code: ProblemCode, message: string, options: ProblemOptions = {}): Problem {
  const result: Problem = { code, severity: options.severity ?? 'error', message };
  if (options.file !== undefined) result.file = options.file;
  return result;
}

/** True when any problem is an error (warnings alone do not block a release). */
export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}
