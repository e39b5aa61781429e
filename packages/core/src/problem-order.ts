import { PROBLEM_CODES, type Problem } from './problem';
import { compareUtf8 } from './shasums';

const CODE_RANK = new Map<string, number>(PROBLEM_CODES.map((code, index) => [code, index]));

/**
 * The one order problems are reported in, so every surface (CLI, Action, registry, desktop) lists the same
 * problems the same way whatever order the checks finished in: problems about the release as a whole (no
 * `file`) first, then by file name (UTF-8 bytes, as SHA256SUMS sorts), then by code in `PROBLEM_CODES` order
 * (missing files before names, sums, signatures, manifest, zips), then by message, then errors before warnings.
 * A total order: the same set of problems always comes out in the same sequence.
 */
export function compareProblems(a: Problem, b: Problem): number {
  if ((a.file === undefined) !== (b.file === undefined)) return a.file === undefined ? -1 : 1;
  const byFile = a.file === undefined || b.file === undefined ? 0 : compareUtf8(a.file, b.file);
  if (byFile !== 0) return byFile;
  const byCode = (CODE_RANK.get(a.code) ?? 0) - (CODE_RANK.get(b.code) ?? 0);
  if (byCode !== 0) return byCode;
  if (a.message !== b.message) return a.message < b.message ? -1 : 1;
  return a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1;
}

/** A sorted copy of `problems`, in the order of `compareProblems`. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(compareProblems);
}
