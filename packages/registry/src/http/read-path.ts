import {
  isKnownPlatform,
  isValidNamespace,
  isValidProviderName,
  isValidVersion,
  parseArtifactName,
  parseVersion,
} from '@signet/core';

// The names of the read side's paths, checked against terraform's own rules before anything is looked up: the
// store, the read model's caches and object keys only ever see a name that could exist. Anything else names
// nothing, so a NUL (`acme%00x`, which SQLite would read as `acme`), another case, a `v` prefix or an object
// property (`constructor`) is "not found", never an alias. Both routers (the app's and the fast path) use these.

/** True when `namespace/type` could be a provider address of this registry (stored names are lower case). */
export function isProviderAddress(namespace: string, type: string): boolean {
  return isValidNamespace(namespace) && isValidProviderName(type);
}

/** True for a version exactly as it is stored: `1.0.0`, never `v1.0.0`, ` 1.0.0` or `1.0.0+x`. */
export function isExactVersion(version: string): boolean {
  return isValidVersion(version) && parseVersion(version) === version;
}

/** `os_arch` for the `:os/:arch` segments of a download path, or `undefined` when it is no known platform. */
export function parsePlatformSegments(os: string, arch: string): string | undefined {
  const platform = `${os}_${arch}`;
  // isKnownPlatform allows one `_` only, so `a_b`/`c` cannot pose as `a`/`b_c`.
  return isKnownPlatform(platform) ? platform : undefined;
}

/** A network-mirror document name: `index.json`, or `<version>.json` with an exact version. */
export type MirrorFile = { kind: 'index' } | { kind: 'version'; version: string };

export function parseMirrorFile(file: string): MirrorFile | undefined {
  if (file === 'index.json') return { kind: 'index' };
  if (!file.endsWith('.json')) return undefined;
  const version = file.slice(0, -'.json'.length);
  return isExactVersion(version) ? { kind: 'version', version } : undefined;
}

/** True when `file` is the name of one of the four artifact kinds of `type` at `version` (a zip of a known platform). */
export function isArtifactOf(file: string, type: string, version: string): boolean {
  const artifact = parseArtifactName(file);
  if (!artifact || artifact.name !== type || artifact.version !== version) return false;
  return artifact.kind !== 'zip' || isKnownPlatform(artifact.platform);
}
