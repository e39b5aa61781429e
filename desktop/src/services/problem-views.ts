// A validator problem as the Problems region lists it: code, file, message, and the next step in this app.
import type { Problem } from '@signet/core';

import type { ProblemView } from '../shared/api';

/** What to do about a problem in the desktop app, where that is clearer than the core's generic fix. */
function fixOf(problem: Problem): string | null {
  const file = problem.file ?? '';
  switch (problem.code) {
    case 'FILE_MISSING':
      return file.endsWith('.sig') ? 'Sign the release.' : 'Package the release (Package), then Sign it.';
    case 'SHASUMS_MISMATCH':
    case 'SHASUMS_ENTRY_MISSING':
    case 'SHASUMS_EXTRA_ENTRY':
      return 'A file changed after SHA256SUMS was written: Package again, then Sign.';
    case 'SIGNATURE_INVALID':
    case 'SIGNATURE_WRONG_KEY':
    case 'SIGNATURE_ARMORED':
    case 'SIGNATURE_UNVERIFIED':
      return 'Sign the release again with its signing key.';
    case 'KEY_EXPIRED':
      return 'Change the key’s expiry in Keys, or sign with another key.';
    default:
      return null;
  }
}

export function formatProblemView(problem: Problem): ProblemView {
  return {
    code: problem.code,
    severity: problem.severity,
    file: problem.file ?? null,
    message: problem.message,
    fix: fixOf(problem),
  };
}
