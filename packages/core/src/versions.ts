import semver from 'semver';

import { SignetError } from './errors';
import { createProblem, type Problem } from './problem';

/**
 * Parses a provider version: strict semver (`1.2.0`, `1.2.0-beta.1`), with the leading `v` of a git tag
 * accepted and dropped, and surrounding whitespace ignored. Build metadata (`+x`) is refused: tofu/terraform
 * ignore it when comparing versions, so `1.0.0+a` and `1.0.0+b` would be the same release to them. Loose forms
 * the `semver` package would coerce (`=1.0.0`, `1.0`) are refused too, so the string kept is the one published.
 */
export function parseVersion(input: string): string {
  const text = input.trim().replace(/^v(?=\d)/, '');
  const plus = text.indexOf('+');
  if (plus !== -1) {
    throw new SignetError(
      'VERSION_INVALID',
      `Invalid version ${JSON.stringify(input)}: build metadata (${JSON.stringify(text.slice(plus))}) is not allowed, because tofu/terraform ignore it when comparing versions; use ${JSON.stringify(text.slice(0, plus))} or a pre-release such as "1.2.3-rc.1" instead.`,
    );
  }
  const parsed = semver.valid(text);
  if (parsed === null || parsed !== text) {
    throw new SignetError(
      'VERSION_INVALID',
      `Invalid version ${JSON.stringify(input)}: expected semver MAJOR.MINOR.PATCH with an optional pre-release and an optional leading "v", such as "1.2.3", "v1.2.3" or "1.2.3-beta.1".`,
    );
  }
  return parsed;
}

/** True when `parseVersion` would accept `input`. */
export function isValidVersion(input: string): boolean {
  try {
    parseVersion(input);
    return true;
  } catch {
    return false;
  }
}

const PROTOCOL_PATTERN = /^[vV]?(\d{1,3})(?:\.(\d{1,3}))?$/;

/** Normalises a plugin protocol version: `4`, `v5`, `V6`, `5.0`, `6.0` → `"5.0"` style `MAJOR.MINOR`. */
export function parseProtocolVersion(input: string): string {
  const match = PROTOCOL_PATTERN.exec(input.trim());
  if (!match) {
    throw new SignetError(
      'PROTOCOL_INVALID',
      `Invalid protocol version ${JSON.stringify(input)}: expected a plugin protocol such as "6.0", "5.0", "v6" or "5".`,
    );
  }
  return `${Number(match[1])}.${Number(match[2] ?? 0)}`;
}

/** Parses, de-duplicates and sorts a list of protocol versions. */
export function normalizeProtocols(list: readonly string[]): string[] {
  if (list.length === 0) {
    throw new SignetError(
      'PROTOCOL_INVALID',
      'No protocol versions given: expected at least one, such as "6.0" (terraform-plugin-framework) or "5.0" (terraform-plugin-sdk/v2).',
    );
  }
  const unique = [...new Set(list.map(parseProtocolVersion))];
  const parts = (protocol: string): number[] => protocol.split('.').map(Number);
  return unique.sort((a, b) => {
    const [aMajor = 0, aMinor = 0] = parts(a);
    const [bMajor = 0, bMinor = 0] = parts(b);
    return aMajor - bMajor || aMinor - bMinor;
  });
}

/**
 * Checks protocols against what tofu/terraform speak (`>= 5, < 7`). 7 and above is an error: no client speaks it,
 * so nothing can install it. 4.x and below is a warning: only terraform 0.11 and older speak it, which a release may
 * mean to serve, but current clients fail with "Incompatible provider version". Entries that are not protocol
 * versions at all are errors here rather than exceptions, because this feeds the validator's report.
 */
export function checkProtocols(list: readonly string[]): Problem[] {
  return list.flatMap((input) => {
    let protocol: string;
    try {
      protocol = parseProtocolVersion(input);
    } catch (error) {
      return [createProblem('PROTOCOL_UNSUPPORTED', (error as Error).message)];
    }
    const major = Number(protocol.split('.')[0]);
    if (major >= 5 && major < 7) return [];
    if (major >= 7) {
      // No released tofu/terraform speaks it: every install would fail, so this is an error, not a warning.
      return [
        createProblem(
          'PROTOCOL_UNSUPPORTED',
          `Protocol ${JSON.stringify(protocol)} is newer than any tofu/terraform speaks (5 and 6): no client can install it ("Incompatible provider version"); declare the protocol the provider actually serves, "6.0" or "5.0".`,
        ),
      ];
    }
    // Protocol 4 is real (terraform 0.11 and older speak it): a release may serve those clients on purpose, so
    // this is a warning that current ones cannot install it, not an error.
    return [
      createProblem(
        'PROTOCOL_UNSUPPORTED',
        `Protocol ${JSON.stringify(protocol)} is older than current tofu/terraform take (>= 5, < 7): they cannot install it and fail with "Incompatible provider version"; rebuild with terraform-plugin-framework (protocol 6.0) or terraform-plugin-sdk/v2 (protocol 5.0).`,
        { severity: 'warning' },
      ),
    ];
  });
}
