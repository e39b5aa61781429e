import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';

import { ARTIFACT_PROBLEM_CODES, ARTIFACT_SIZE_LIMITS, createOversizeProblem } from './artifact-size-limits';
import type { CappedArtifactKind } from './artifact-size-limits';
import { readArtifact } from './read-capped';
import { inspectKey } from './keys';
import { parseManifest } from './manifest';
import { formatManifestName, formatShasumsName, formatSignatureName, parseArtifactName } from './names';
import { isKnownPlatform } from './platforms';
import { createProblem, hasErrors, type Problem } from './problem';
import { sortProblems } from './problem-order';
import { readRandomAccessCapped, type RandomAccessReleaseFile } from './random-access-file';
import type { ReleaseFile } from './release-files';
import { compareUtf8, parseShasums, type ShasumsEntry } from './shasums';
import { isArmoredSignature, verifyShasumsSignature } from './signature';
import { checkProtocols, normalizeProtocols } from './versions';
import { inspectZipCached, retainCachedZips, type ValidationCache } from './validation-cache';
import { inspectZip, type InspectZipOptions, type ZipInspection, type ZipLimits } from './zip-inspect';
import { SignetError } from './errors';

/**
 * A release file as the validator takes it: a local path (`readReleaseFiles`), read directly, or a file read by
 * ranges where it lies (a blob in object storage), with no temporary copy.
 */
export type ValidatedFile = ReleaseFile | RandomAccessReleaseFile;

export interface ValidateReleaseOptions {
  /** The release's files (see `readReleaseFiles`), or random-access files (`RandomAccessReleaseFile`). */
  files: readonly ValidatedFile[];
  /** Expected provider type name; inferred from the SHA256SUMS file (or the zips) when absent. */
  name?: string | undefined;
  /** Expected version; inferred like `name` when absent. */
  version?: string | undefined;
  /** The version's protocol versions; the manifest must agree. When absent the manifest's are taken. */
  protocols?: readonly string[] | undefined;
  /** Public key(s) the version is signed with, armored or binary. Without one the signature is not verified. */
  keys?: readonly (string | Uint8Array)[] | undefined;
  /** Platforms that must be present (policy), as `os_arch`. */
  requiredPlatforms?: readonly string[] | undefined;
  /** Zip bomb limits; `DEFAULT_ZIP_LIMITS` when absent. The registry passes its own (same defaults). */
  limits?: ZipLimits | undefined;
  /**
   * What earlier validations of the same release folder learnt about its zips (`createValidationCache`): a zip
   * whose path, size, times and inode are unchanged is not read again. Local paths only; without it every zip is
   * read.
   */
  cache?: ValidationCache | undefined;
}

/** One platform's package as terraform will see it. */
export interface PlatformReport {
  platform: string;
  fileName: string;
  size: number;
  sha256: string;
  /** `zh:` hash: the SHA-256 of the zip, as in SHA256SUMS and the lock file. */
  zh: string;
  /** `h1:` hash (HashZip; equal to terraform's HashDir because the zip has no directory entries). */
  h1?: string | undefined;
}

export interface ReleaseReport {
  ok: boolean;
  name?: string | undefined;
  version?: string | undefined;
  protocols: string[];
  keyId?: string | undefined;
  fingerprint?: string | undefined;
  /** One per valid platform zip, sorted by file name. */
  platforms: PlatformReport[];
  /** Deduplicated and in the order of `compareProblems`, whatever order the checks finished in. */
  problems: Problem[];
}

/**
 * Checks a complete release the way tofu/terraform will, and returns every problem at once. Never throws
 * for bad release content: unreadable files become problems. The CLI, the Action, the registry's publish and
 * the desktop's live draft view all call this, so a release that passes locally passes on the server.
 */
export async function validateRelease(options: ValidateReleaseOptions): Promise<ReleaseReport> {
  const problems: Problem[] = [];
  const identity = inferIdentity(options);
  const { name, version } = identity;
  const report: ReleaseReport = { ok: false, name, version, protocols: [], platforms: [], problems };
  if (name === undefined || version === undefined) {
    problems.push(
      createProblem(
        'FILE_MISSING',
        'No release files found: expected terraform-provider-NAME_VERSION_SHA256SUMS, its .sig, the manifest and one zip per platform.',
      ),
    );
    return finish(report);
  }

  const classified = classifyFiles(options.files, name, version, problems);
  const manifest = await checkManifest(classified.manifest, options.protocols, problems);
  report.protocols = manifest.protocols;
  checkRequiredFiles(classified, name, version, options.requiredPlatforms ?? [], problems);

  const shasums = classified.shasums ? await readShasums(classified.shasums, problems) : undefined;
  if (classified.shasums && classified.signature) {
    Object.assign(report, await checkSignature(shasums?.bytes, classified.signature, options.keys, problems));
  }

  report.platforms = await inspectZips(classified.zips, name, version, options, problems);
  if (shasums?.entries) {
    const actual = new Map(report.platforms.map((p) => [p.fileName, p.sha256]));
    if (classified.manifest && manifest.sha256) actual.set(classified.manifest.fileName, manifest.sha256);
    checkShasums(shasums.entries, classified, actual, { name, version }, problems);
  }
  return finish(report);
}

function finish(report: ReleaseReport): ReleaseReport {
  report.problems = sortProblems(dedupe(report.problems));
  // The same order whatever order the files were given in (a folder listing, a database's rows).
  report.platforms.sort((a, b) => compareUtf8(a.fileName, b.fileName));
  report.ok = !hasErrors(report.problems);
  return report;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.code}\0${p.file ?? ''}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function inferIdentity(options: ValidateReleaseOptions): { name?: string | undefined; version?: string | undefined } {
  if (options.name !== undefined && options.version !== undefined) return options;
  const parsed = options.files.map((f) => parseArtifactName(f.fileName)).filter((a) => a !== undefined);
  const sums = parsed.find((a) => a.kind === 'shasums');
  const pick = (key: 'name' | 'version'): string | undefined => {
    if (sums) return sums[key];
    const counts = new Map<string, number>();
    for (const a of parsed) counts.set(a[key], (counts.get(a[key]) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  };
  return { name: options.name ?? pick('name'), version: options.version ?? pick('version') };
}

type ZipFile = ValidatedFile & { platform: string };

interface ClassifiedFiles {
  zips: ZipFile[];
  shasums?: ValidatedFile | undefined;
  signature?: ValidatedFile | undefined;
  manifest?: ValidatedFile | undefined;
  /** Every file that belongs to the release, by name, for the SHA256SUMS cross-check. */
  byName: Map<string, ValidatedFile>;
}

/** Where a file is, for a message: its path, or its name when it has none. */
function describeSource(file: ValidatedFile): string {
  return 'path' in file ? file.path : file.fileName;
}

function classifyFiles(files: readonly ValidatedFile[], name: string, version: string, problems: Problem[]) {
  const classified: ClassifiedFiles = { zips: [], byName: new Map() };
  const platforms = new Map<string, string>();
  for (const file of files) {
    const artifact = parseArtifactName(file.fileName);
    if (!artifact) {
      problems.push(
        createProblem(
          'FILE_UNEXPECTED',
          `${JSON.stringify(file.fileName)} is not a release artifact (expected terraform-provider-${name}_${version}_OS_ARCH.zip, _SHA256SUMS, _SHA256SUMS.sig or _manifest.json); it is ignored.`,
          { file: file.fileName, severity: 'warning' },
        ),
      );
      continue;
    }
    if (artifact.name !== name) {
      problems.push(
        createProblem(
          'FILENAME_NAME_MISMATCH',
          `${JSON.stringify(file.fileName)} names provider ${JSON.stringify(artifact.name)}, but the release is for ${JSON.stringify(name)}. Rename the file or remove it from the release.`,
          { file: file.fileName },
        ),
      );
      continue;
    }
    if (artifact.version !== version) {
      problems.push(
        createProblem(
          'FILENAME_VERSION_MISMATCH',
          `${JSON.stringify(file.fileName)} is for version ${JSON.stringify(artifact.version)}, but the release is version ${JSON.stringify(version)}. Repackage it for ${version} or remove it.`,
          { file: file.fileName },
        ),
      );
      continue;
    }
    if (artifact.kind === 'zip') {
      if (!isKnownPlatform(artifact.platform)) {
        problems.push(
          createProblem(
            'PLATFORM_UNKNOWN',
            `${JSON.stringify(file.fileName)} declares platform ${JSON.stringify(artifact.platform)}, which tofu/terraform do not know; expected os_arch such as "linux_amd64".`,
            { file: file.fileName },
          ),
        );
        continue;
      }
      const previous = platforms.get(artifact.platform);
      if (previous !== undefined) {
        problems.push(
          createProblem(
            'PLATFORM_DUPLICATE',
            `Platform ${artifact.platform} is given twice (${JSON.stringify(previous)} and ${JSON.stringify(describeSource(file))}); keep one.`,
            { file: file.fileName },
          ),
        );
        continue;
      }
      platforms.set(artifact.platform, describeSource(file));
      classified.zips.push({ ...file, platform: artifact.platform });
    } else {
      if (classified[artifact.kind] !== undefined) {
        problems.push(
          createProblem('FILE_UNEXPECTED', `${JSON.stringify(file.fileName)} is given twice; keep one.`, {
            file: file.fileName,
          }),
        );
        continue;
      }
      classified[artifact.kind] = file;
    }
    classified.byName.set(file.fileName, file);
  }
  return classified;
}

function checkRequiredFiles(
  files: ClassifiedFiles,
  name: string,
  version: string,
  required: readonly string[],
  problems: Problem[],
): void {
  const missing = (fileName: string, what: string): void => {
    problems.push(createProblem('FILE_MISSING', `${what} ${JSON.stringify(fileName)} is missing.`, { file: fileName }));
  };
  if (!files.shasums) missing(formatShasumsName(name, version), 'The checksum file');
  if (!files.signature)
    missing(formatSignatureName(name, version), 'The signature (run `signet sign --key private.asc DIR`)');
  if (!files.manifest) missing(formatManifestName(name, version), 'The manifest');
  if (files.zips.length === 0) {
    problems.push(
      createProblem(
        'FILE_MISSING',
        `No platform zip found: expected at least one terraform-provider-${name}_${version}_OS_ARCH.zip.`,
      ),
    );
  }
  const present = new Set(files.zips.map((z) => z.platform));
  for (const platform of required) {
    if (!present.has(platform)) {
      problems.push(
        createProblem(
          'PLATFORM_REQUIRED_MISSING',
          `Platform ${platform} is required but terraform-provider-${name}_${version}_${platform}.zip is missing; tofu init on ${platform} would fail with "does not have a package available for your current platform".`,
        ),
      );
    }
  }
}

async function checkManifest(
  manifest: ValidatedFile | undefined,
  expected: readonly string[] | undefined,
  problems: Problem[],
): Promise<{ protocols: string[]; sha256?: string }> {
  const wanted = expected === undefined ? undefined : normalizeProtocolsSafely(expected, problems);
  let found: string[] | undefined;
  let sha256: string | undefined;
  if (manifest) {
    const bytes = await readSmallArtifact(manifest, 'manifest', problems);
    if (bytes) {
      sha256 = createHash('sha256').update(bytes).digest('hex');
      try {
        found = normalizeProtocols(parseManifest(bytes.toString('utf8')).protocols);
      } catch (error) {
        problems.push(createProblem('MANIFEST_INVALID', messageOf(error), { file: manifest.fileName }));
      }
    }
  }
  if (found && wanted && found.join(',') !== wanted.join(',')) {
    problems.push(
      createProblem(
        'PROTOCOL_MISMATCH',
        `The manifest declares protocols ${JSON.stringify(found)} but the version declares ${JSON.stringify(wanted)}; repackage with --protocols ${wanted.join(',')} or change the version's protocols.`,
        { file: manifest?.fileName },
      ),
    );
  }
  const protocols = wanted ?? found ?? [];
  problems.push(...checkProtocols(protocols));
  return sha256 === undefined ? { protocols } : { protocols, sha256 };
}

function normalizeProtocolsSafely(list: readonly string[], problems: Problem[]): string[] | undefined {
  try {
    return normalizeProtocols([...list]);
  } catch (error) {
    problems.push(createProblem('PROTOCOL_UNSUPPORTED', messageOf(error)));
    return undefined;
  }
}

async function readShasums(
  file: ValidatedFile,
  problems: Problem[],
): Promise<{ bytes: Buffer; entries?: ShasumsEntry[] } | undefined> {
  const bytes = await readSmallArtifact(file, 'shasums', problems);
  if (!bytes) return undefined;
  try {
    return { bytes, entries: parseShasums(bytes.toString('utf8')) };
  } catch (error) {
    problems.push(createProblem('SHASUMS_MALFORMED', messageOf(error), { file: file.fileName }));
    return { bytes };
  }
}

/** Checks the signature over the SHA256SUMS bytes (undefined when they could not be read: that is reported). */
async function checkSignature(
  shasumsBytes: Buffer | undefined,
  signature: ValidatedFile,
  keys: ValidateReleaseOptions['keys'],
  problems: Problem[],
): Promise<{ keyId?: string; fingerprint?: string }> {
  const found: { keyId?: string; fingerprint?: string } = {};
  for (const key of keys ?? []) {
    try {
      const info = await inspectKey(key);
      found.keyId ??= info.keyId;
      found.fingerprint ??= info.fingerprint;
      // verifyShasumsSignature reports the keys' problems itself; without a check (no keys) there is none here.
    } catch (error) {
      problems.push(createProblem('KEY_INVALID', messageOf(error)));
    }
  }
  const signatureBytes = await readSmallArtifact(signature, 'signature', problems);
  if (!signatureBytes) return found;
  if (!keys || keys.length === 0) {
    problems.push(
      isArmoredSignature(signatureBytes)
        ? createProblem(
            'SIGNATURE_ARMORED',
            'The signature is ASCII-armored; terraform only reads binary signatures ("error checking signature: openpgp: invalid data: tag byte does not have MSB set"). Sign again with `signet sign`, which writes a binary .sig.',
            { file: signature.fileName },
          )
        : createProblem(
            'SIGNATURE_UNVERIFIED',
            "No public key was given, so the signature was not verified; pass the version's key (--key public.asc).",
            { file: signature.fileName, severity: 'warning' },
          ),
    );
    return found;
  }
  if (!shasumsBytes) return found;
  const result = await verifyShasumsSignature({ shasums: shasumsBytes, signature: signatureBytes, keys: [...keys] });
  problems.push(...result.problems.map((p) => (p.file ? p : { ...p, file: signature.fileName })));
  if (result.signerKeyId) found.keyId = result.signerKeyId;
  return found;
}

async function inspectZips(
  zips: readonly ZipFile[],
  name: string,
  version: string,
  { limits, cache }: Pick<ValidateReleaseOptions, 'limits' | 'cache'>,
  problems: Problem[],
): Promise<PlatformReport[]> {
  const reports: PlatformReport[] = new Array<PlatformReport>(zips.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < zips.length; i = next++) {
      const zip = zips[i]!;
      const zipOptions = { name, version, platform: zip.platform, limits, fileName: zip.fileName };
      const inspection = !('path' in zip)
        ? await inspectOpened(zip, zipOptions)
        : cache
          ? await inspectZipCached(cache, zip.path, zipOptions)
          : await inspectZip(zip.path, zipOptions);
      problems.push(...inspection.problems);
      reports[i] = {
        platform: zip.platform,
        fileName: zip.fileName,
        size: inspection.size,
        sha256: inspection.sha256,
        zh: inspection.zh,
        h1: inspection.h1,
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), zips.length) }, worker));
  if (cache) retainCachedZips(cache, new Set(zips.flatMap((zip) => ('path' in zip ? [zip.path] : []))));
  return reports;
}

async function inspectOpened(file: RandomAccessReleaseFile, options: InspectZipOptions): Promise<ZipInspection> {
  const opened = await file.open();
  try {
    return await inspectZip(opened, options);
  } finally {
    await opened.close();
  }
}

/**
 * A small artifact's bytes, read only up to its cap: `readArtifact` for a path, the same for a random-access file
 * (whose size is known before a byte is read). A store that cannot be reached is not a problem of the release: that
 * error is thrown.
 */
async function readSmallArtifact(
  file: ValidatedFile,
  kind: CappedArtifactKind,
  problems: Problem[],
): Promise<Buffer | undefined> {
  if ('path' in file) return readArtifact(file, kind, problems);
  const opened = await file.open();
  try {
    const read = await readRandomAccessCapped(opened, ARTIFACT_SIZE_LIMITS[kind]);
    if ('bytes' in read) return read.bytes;
    problems.push(createOversizeProblem(file.fileName, kind, read));
    return undefined;
  } catch (error) {
    problems.push(
      createProblem(
        ARTIFACT_PROBLEM_CODES[kind],
        `Cannot read ${JSON.stringify(file.fileName)}: ${messageOf(error)}.`,
        {
          file: file.fileName,
        },
      ),
    );
    return undefined;
  } finally {
    await opened.close();
  }
}

function checkShasums(
  entries: readonly ShasumsEntry[],
  files: ClassifiedFiles,
  actual: ReadonlyMap<string, string>,
  release: { name: string; version: string },
  problems: Problem[],
): void {
  const listed = new Map(entries.map((e) => [e.fileName, e.sha256]));
  const shasumsName = files.shasums?.fileName;
  // The manifest is listed too (terraform's lock file then carries its zh: line, as goreleaser does).
  const checked = [...files.zips.map((z) => z.fileName), ...(files.manifest ? [files.manifest.fileName] : [])];
  for (const fileName of checked) {
    const expected = listed.get(fileName);
    if (expected === undefined) {
      problems.push(
        createProblem(
          'SHASUMS_ENTRY_MISSING',
          `${JSON.stringify(fileName)} is not listed in ${shasumsName}; tofu init would fail with "checksum list has no SHA-256 hash for ${JSON.stringify(fileName)}". Regenerate SHA256SUMS and sign it again.`,
          { file: fileName },
        ),
      );
    }
  }
  for (const [fileName, expected] of listed) {
    const file = files.byName.get(fileName);
    const artifact = parseArtifactName(fileName);
    if (!file && artifact?.kind === 'zip' && artifact.name === release.name && artifact.version === release.version) {
      // A zip of this release that SHA256SUMS lists and the folder lacks was deleted or never copied: the file is
      // what is wrong, not the list. (A missing manifest is reported once, by checkRequiredFiles.)
      problems.push(
        createProblem(
          'FILE_MISSING',
          `The zip ${JSON.stringify(fileName)} is listed in ${shasumsName} but missing from the release; tofu init on ${artifact.platform} would find no package. Put the file back, or package and sign again without that platform.`,
          { file: fileName },
        ),
      );
      continue;
    }
    if (!file || fileName === files.signature?.fileName || fileName === shasumsName) {
      problems.push(
        createProblem(
          'SHASUMS_EXTRA_ENTRY',
          `${shasumsName} lists ${JSON.stringify(fileName)}, which is not part of the release${fileName.endsWith('.sig') || fileName === shasumsName ? ' (the checksum file cannot list itself or its signature)' : ''}; remove the line and sign again.`,
          { file: shasumsName },
        ),
      );
      continue;
    }
    const sha256 = actual.get(fileName);
    if (sha256 !== undefined && sha256 !== expected) {
      problems.push(
        createProblem(
          'SHASUMS_MISMATCH',
          `${JSON.stringify(fileName)} has SHA-256 ${sha256} but ${shasumsName} says ${expected}; tofu init would fail with "archive has incorrect checksum zh:${sha256} (expected zh:${expected})". The file changed after SHA256SUMS was written: repackage and sign again.`,
          { file: fileName },
        ),
      );
    }
  }
}

function messageOf(error: unknown): string {
  if (error instanceof SignetError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
