import semver from 'semver';

import { SignetError } from './errors';
import { createProblem, type Problem } from './problem';

/**
 * Parses a provider version: strict semver (`1.2.0`, `1.2.0-beta.1`), with the leading `v` of a git tag
 * accepted and dropped. Build metadata (`+x`) is refused: terraform ignores it when comparing versions, so two
 * releases could not be told apart.
 */
export function parseVersion(input: string): string {
  const text = input.trim().replace(/^v(?=\d)/, '');
  if (text.includes('+')) {
    throw new SignetError(
      'VERSION_INVALID',
      `Invalid version ${JSON.stringify(input)}: build metadata ("+${text.split('+')[1] ?? ''}") is not allowed, because tofu/terraform ignore it when comparing versions; use a pre-release such as "1.2.3-rc.1" instead.`,
    );
  }
  const parsed = semver.valid(text);
  if (parsed === null || parsed !== text) {
    throw new SignetError(
      'VERSION_INVALID',
      `Invalid version ${JSON.stringify(input)}: expected semver MAJOR.MINOR.PATCH with an optional pre-release, such as "1.2.3" or "1.2.3-beta.1".`,
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
    throw new SignetError('PROTOCOL_INVALID', 'No protocol versions given: expected at least one, such as "6.0".');
  }
  const unique = [...new Set(list.map(parseProtocolVersion))];
  return unique.sort((a, b) => Number(a.split('.')[0]) - Number(b.split('.')[0]) || Number(a.split('.')[1]) - Number(b.split('.')[1]));
}

/**
 * Warns about protocols current tofu/terraform cannot use: they take `>= 5, < 7`, so a 4.x-only or 7+-only
 * provider installs nowhere ("Incompatible provider version").
 */
export function checkProtocols(list: readonly string[]): Problem[] {
  return list
    .filter((protocol) => {
      const major = Number(protocol.split('.')[0]);
      return major < 5 || major >= 7;
    })
    .map((protocol) =>
      createProblem(
        'PROTOCOL_UNSUPPORTED',
        `Protocol ${protocol} cannot be installed by current tofu/terraform, which take protocols >= 5, < 7; tofu init would fail with "Incompatible provider version". Build with terraform-plugin-framework (6.0) or terraform-plugin-sdk/v2 (5.0).`,
        { severity: 'warning' },
      ),
    );
}
