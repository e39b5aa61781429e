import { SignetError } from './errors';

// Terraform's rule for provider type names and namespaces (registry addresses): lowercase ASCII letters,
// digits and dashes, not starting or ending with a dash, at most 64 characters. Underscores are excluded,
// which is what makes `terraform-provider-NAME_VERSION_OS_ARCH.zip` unambiguous to parse.
const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

function assertName(value: string, what: string, example: string): void {
  if (!NAME_PATTERN.test(value)) {
    throw new SignetError(
      'NAME_INVALID',
      `Invalid ${what} ${JSON.stringify(value)}: use 1–64 lowercase letters, digits and dashes, not starting or ending with a dash (for example ${JSON.stringify(example)}).`,
    );
  }
}

/** Throws `NAME_INVALID` unless `name` is a valid provider type name (`hello`, `aws-extra`). */
export function assertProviderName(name: string): void {
  assertName(name, 'provider name', 'hello');
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
