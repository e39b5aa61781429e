import { SignetError } from './errors';

// Terraform's rules for namespaces and provider types in a source address (its `ParseProviderPart`, measured in
// terraform-protocol.md "Name rules"): lowercase ASCII letters, digits and dashes, not starting or ending with a
// dash, no two dashes in a row (so no `xn--` punycode labels either), at most 64 characters here. A type must not
// start with `terraform-`. Underscores are excluded, which is what makes `terraform-provider-NAME_VERSION_OS_ARCH.zip`
// unambiguous to parse. A name terraform would refuse at `init` is refused at creation, and in a request path it
// names nothing: the registry checks these before any lookup.
const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

function nameProblem(value: string, what: 'namespace' | 'provider type'): string | undefined {
  if (!NAME_PATTERN.test(value)) {
    return 'use 1–64 lowercase letters, digits and dashes, not starting or ending with a dash';
  }
  if (value.includes('--')) return 'terraform refuses two dashes in a row (and "xn--" punycode labels)';
  if (what === 'provider type' && value.startsWith('terraform-')) {
    return `terraform refuses a type that starts with "terraform-"; drop the prefix (${JSON.stringify(value.replace(/^terraform-(provider-)?/, ''))})`;
  }
  return undefined;
}

function assertName(value: string, what: 'namespace' | 'provider type', example: string): void {
  const problem = nameProblem(value, what);
  if (problem !== undefined) {
    const label = what === 'provider type' ? 'provider name' : what;
    throw new SignetError(
      'NAME_INVALID',
      `Invalid ${label} ${JSON.stringify(value)}: ${problem} (for example ${JSON.stringify(example)}).`,
    );
  }
}

/** True when terraform accepts `value` as the namespace of a source address (`acme`). */
export function isValidNamespace(value: string): boolean {
  return nameProblem(value, 'namespace') === undefined;
}

/** True when terraform accepts `value` as the provider type of a source address (`hello`, `aws-extra`). */
export function isValidProviderName(value: string): boolean {
  return nameProblem(value, 'provider type') === undefined;
}

/** Throws `NAME_INVALID` unless `name` is a valid provider type name (`hello`, `aws-extra`). */
export function assertProviderName(name: string): void {
  assertName(name, 'provider type', 'hello');
}

/** Throws `NAME_INVALID` unless `namespace` is a valid registry namespace (`acme`). */
export function assertNamespace(namespace: string): void {
  assertName(namespace, 'namespace', 'acme');
}

/** `terraform-provider-NAME_VERSION_OS_ARCH.zip` */
export function formatZipName(name: string, version: string, platform: string): string {
  return `terraform-provider-${name}_${version}_${platform}.zip`;
}

/** `terraform-provider-NAME_VERSION_SHA256SUMS` */
export function formatShasumsName(name: string, version: string): string {
  return `terraform-provider-${name}_${version}_SHA256SUMS`;
}

/** `terraform-provider-NAME_VERSION_SHA256SUMS.sig` */
export function formatSignatureName(name: string, version: string): string {
  return `${formatShasumsName(name, version)}.sig`;
}

/** `terraform-provider-NAME_VERSION_manifest.json` */
export function formatManifestName(name: string, version: string): string {
  return `terraform-provider-${name}_${version}_manifest.json`;
}

/** The executable inside a zip: `terraform-provider-NAME_vVERSION`, with `.exe` on windows. */
export function formatExecutableName(name: string, version: string, os: string): string {
  return `terraform-provider-${name}_v${version}${os === 'windows' ? '.exe' : ''}`;
}

/** A release artifact's file name, taken apart. `platform` is the raw `os_arch`, not yet checked. */
export type ArtifactName =
  | { kind: 'zip'; name: string; version: string; platform: string }
  | { kind: 'shasums' | 'signature' | 'manifest'; name: string; version: string };

// Deliberately looser than the rules for names, versions and platforms: a file that is clearly meant as an
// artifact (`terraform-provider-Hello_1.0_linux_amd64.zip`) should reach the validator, which then says what is
// wrong with it (FILENAME_NAME_MISMATCH, PLATFORM_UNKNOWN, ...), instead of being ignored as a stranger. Names
// hold no `_`, so the name ends at the first `_`; the version is whatever sits between it and the suffix.
const ARTIFACT_PATTERN =
  /^terraform-provider-([^_/\\]+)_([^/\\]+?)_(?:(SHA256SUMS)(\.sig)?|(manifest)\.json|([^_/\\]+_[^_/\\]+)\.zip)$/;

/** Parses a release file name; `undefined` for anything that is not one of the four artifact kinds. */
export function parseArtifactName(fileName: string): ArtifactName | undefined {
  const match = ARTIFACT_PATTERN.exec(fileName);
  if (!match) return undefined;
  const [, name, version, sums, sig, manifest, platform] = match as unknown as [
    string,
    string,
    string,
    ...(string | undefined)[],
  ];
  if (platform !== undefined) return { kind: 'zip', name, version, platform };
  if (manifest !== undefined) return { kind: 'manifest', name, version };
  if (sums !== undefined) return { kind: sig === undefined ? 'shasums' : 'signature', name, version };
  return undefined;
}

/** An executable's file name taken apart; `version` is absent for `terraform-provider-NAME`. */
export interface ExecutableName {
  name: string;
  version?: string;
  exe: boolean;
}

const EXECUTABLE_NAME = '([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)';
const EXECUTABLE_VERSION = '([^_/\\\\]+?)';
const LONG_EXECUTABLE = new RegExp(`^terraform-provider-${EXECUTABLE_NAME}(?:_v${EXECUTABLE_VERSION})?(\\.exe)?$`);
// The short form needs the version, otherwise any word would be a provider name.
const SHORT_EXECUTABLE = new RegExp(`^${EXECUTABLE_NAME}_v${EXECUTABLE_VERSION}(\\.exe)?$`);

/** Parses `terraform-provider-NAME[_vVERSION][.exe]` and the seed's short form `NAME_vVERSION[.exe]`. */
export function parseExecutableName(fileName: string): ExecutableName | undefined {
  const match = LONG_EXECUTABLE.exec(fileName) ?? SHORT_EXECUTABLE.exec(fileName);
  if (!match) return undefined;
  const [, name, version, exe] = match as unknown as [string, string, string | undefined, string | undefined];
  const result: ExecutableName = { name, exe: exe !== undefined };
  if (version !== undefined) result.version = version;
  return result;
}
