import { stat } from 'node:fs/promises';

import {
  ARTIFACT_SIZE_LIMITS,
  inspectKey,
  parseArtifactName,
  readPublicKeyArmored,
  SignetError,
  verifyShasumsSignature,
} from '@signet/core';
import {
  readCapped,
  selectReleaseFiles,
  sha256File,
  validateRelease,
  type ReleaseFile,
  type ReleaseReport,
} from '@signet/core/node';

import { RegistryError, type RegistryClient, type Version } from './client';

export interface PublishReleaseOptions {
  client: RegistryClient;
  namespace: string;
  /** The release's files (`readReleaseFiles(['dist/'])`); other versions' artifacts are ignored. */
  files: readonly ReleaseFile[];
  /** Provider name and version; inferred from the SHA256SUMS file when absent. */
  name?: string | undefined;
  version?: string | undefined;
  /** The version's protocols; the manifest's when absent. */
  protocols?: readonly string[] | undefined;
  /** The signing key's public half (armored or binary); registered in the namespace when it lacks it. */
  publicKey?: string | Uint8Array | undefined;
  /** Stop after the uploads: the version stays a draft. */
  draft?: boolean | undefined;
  onProgress?: ((event: PublishEvent) => void) | undefined;
  /** Called as the local validation starts, with the files it reads (it hashes every zip). */
  onValidate?: ((event: { files: number; bytes: number }) => void) | undefined;
  /** Called as upload bytes go out: `sent` of `total` over all the files this run uploads, and the current file's. */
  onUpload?: ((event: UploadProgress) => void) | undefined;
}

/** How far the uploads of one publish are. */
export interface UploadProgress {
  fileName: string;
  fileSent: number;
  fileSize: number;
  /** Bytes sent of all files uploaded in this run, and their total (skipped files count in neither). */
  sent: number;
  total: number;
}

export type PublishEvent =
  | { kind: 'step'; message: string }
  | { kind: 'upload'; fileName: string; size: number }
  | { kind: 'skip'; fileName: string };

export interface PublishResult {
  name: string;
  version: string;
  keyId: string;
  /** The local validation that ran before any request (ok; it may hold warnings). */
  report: ReleaseReport;
  /** True when the same bytes were already published: nothing was changed. */
  alreadyPublished: boolean;
  uploaded: string[];
  skipped: string[];
  registryVersion: Version;
}

/**
 * The release failed the local validation, so nothing was sent to the registry. `report` is exactly what
 * `signet validate` shows for the same files (and what the registry's publish would refuse with).
 */
export class ReleaseInvalidError extends SignetError {
  readonly report: ReleaseReport;

  constructor(report: ReleaseReport) {
    const errors = report.problems.filter((p) => p.severity === 'error');
    super(
      'RELEASE_INVALID',
      `The release has ${errors.length} error(s); nothing was sent to the registry. Fix them and publish again: ${errors.map((p) => `${p.code}: ${p.message}`).join(' | ')}`,
    );
    this.report = report;
  }
}

/**
 * Publishes a release folder to a Signet registry. First validates it locally with the core's `validateRelease`
 * (with `publicKey` when given), exactly as `signet validate` and the registry's publish do, and throws
 * `ReleaseInvalidError` before any request when it has an error: a bad release leaves nothing behind on the
 * registry. Then namespace key, provider, draft, uploads (files already uploaded with the same bytes are
 * skipped, so a re-run resumes), and publish, which validates again on the server. Re-publishing identical
 * bytes is a no-op; different bytes for a published version fail (published bytes never change). The private
 * key is never read here.
 */
export async function publishRelease(options: PublishReleaseOptions): Promise<PublishResult> {
  const { client, namespace } = options;
  const progress = options.onProgress ?? (() => {});
  const { name, version } = identify(options.files, options.name, options.version);
  const files = selectReleaseFiles(options.files, name, version);
  if (options.onValidate) {
    const sizes = await Promise.all(files.map(async (f) => (await stat(f.path).catch(() => undefined))?.size ?? 0));
    options.onValidate({ files: files.length, bytes: sizes.reduce((a, b) => a + b, 0) });
  }
  const report = await validateRelease({
    files,
    name,
    version,
    protocols: options.protocols,
    keys: options.publicKey === undefined ? undefined : [options.publicKey],
  });
  if (!report.ok) throw new ReleaseInvalidError(report);
  const local = await describeLocalFiles(files, report);
  const protocols = report.protocols;

  await ensureNamespace(client, namespace, progress);
  const keyId = await resolveKey(client, namespace, files, options.publicKey, progress);
  try {
    await client.createProvider(namespace, name);
    progress({ kind: 'step', message: `Created provider ${namespace}/${name}.` });
  } catch (error) {
    if (!(error instanceof RegistryError && error.status === 409)) throw error;
  }

  let existing = await client.getVersion(namespace, name, version, { report: false });
  if (existing?.state === 'published') {
    const differing = [...local].filter(([fileName, { sha256 }]) => {
      const remote = existing?.files.find((f) => f.file_name === fileName);
      return remote === undefined || remote.sha256 !== sha256;
    });
    // A re-run signs again, and a signature carries its creation time: a new .sig over the very same SHA256SUMS
    // is the same release. The published signature stays (published bytes are never re-signed).
    const sumsChanged = differing.some(([fileName]) => parseArtifactName(fileName)?.kind === 'shasums');
    if (!sumsChanged)
      differing.splice(0, differing.length, ...differing.filter(([f]) => parseArtifactName(f)?.kind !== 'signature'));
    if (differing.length > 0) {
      throw new SignetError(
        'VERSION_PUBLISHED',
        `${namespace}/${name} ${version} is already published with other bytes (${differing.map(([f]) => f).join(', ')}); published files never change. Release a new version.`,
      );
    }
    progress({ kind: 'step', message: `${namespace}/${name} ${version} is already published with these bytes.` });
    return {
      name,
      version,
      keyId,
      report,
      alreadyPublished: true,
      uploaded: [],
      skipped: [...local.keys()],
      registryVersion: existing,
    };
  }
  if (existing && (existing.key_id !== keyId || existing.protocols.join() !== protocols.join())) {
    // A draft made with another key or other protocols: start it again rather than publish a mismatch.
    await client.deleteVersion(namespace, name, version);
    existing = undefined;
  }
  existing ??= await client.createVersion(namespace, name, { version, protocols: [...protocols], key_id: keyId });

  const uploaded: string[] = [];
  const skipped: string[] = [];
  const draft = existing;
  const isThere = (fileName: string, sha256: string) =>
    draft.files.some((f) => f.file_name === fileName && f.sha256 === sha256);
  const total = [...local].reduce((sum, [fileName, f]) => (isThere(fileName, f.sha256) ? sum : sum + f.size), 0);
  let before = 0;
  for (const [fileName, file] of local) {
    if (isThere(fileName, file.sha256)) {
      skipped.push(fileName);
      progress({ kind: 'skip', fileName });
      continue;
    }
    progress({ kind: 'upload', fileName, size: file.size });
    const onUpload = options.onUpload;
    const onSent =
      onUpload &&
      ((fileSent: number) => onUpload({ fileName, fileSent, fileSize: file.size, sent: before + fileSent, total }));
    await client.uploadFile({ namespace, type: name, version }, fileName, file.path, file.sha256, onSent);
    before += file.size;
    uploaded.push(fileName);
  }
  const registryVersion = options.draft
    ? ((await client.getVersion(namespace, name, version)) as Version)
    : await client.publish(namespace, name, version);
  return { name, version, keyId, report, alreadyPublished: false, uploaded, skipped, registryVersion };
}

/** Each file's path, SHA-256 and size; the zips' from the validation, which hashed them already. */
async function describeLocalFiles(
  files: readonly ReleaseFile[],
  report: ReleaseReport,
): Promise<Map<string, { path: string; sha256: string; size: number }>> {
  const zips = new Map(report.platforms.map((p) => [p.fileName, p]));
  const local = new Map<string, { path: string; sha256: string; size: number }>();
  for (const file of files) {
    const zip = zips.get(file.fileName);
    const [sha256, size] = zip
      ? [zip.sha256, zip.size]
      : await Promise.all([sha256File(file.path), stat(file.path).then((info) => info.size)]);
    local.set(file.fileName, { path: file.path, sha256, size });
  }
  return local;
}

/** The release's name and version: given, or from its SHA256SUMS file (else its only zips). */
function identify(files: readonly ReleaseFile[], name?: string, version?: string): { name: string; version: string } {
  if (name !== undefined && version !== undefined) return { name, version };
  const artifacts = files
    .map((f) => parseArtifactName(f.fileName))
    .filter((a) => a !== undefined)
    .filter((a) => (name === undefined || a.name === name) && (version === undefined || a.version === version));
  const sums = artifacts.filter((a) => a.kind === 'shasums');
  const candidates = sums.length > 0 ? sums : artifacts;
  const ids = [...new Set(candidates.map((a) => `${a.name} ${a.version}`))];
  if (ids.length === 1) {
    const [found] = candidates;
    return { name: found!.name, version: found!.version };
  }
  throw new SignetError(
    'INPUT_INVALID',
    ids.length === 0
      ? 'No release files found: expected terraform-provider-NAME_VERSION_SHA256SUMS and its zips (run `signet release` or `signet package` first).'
      : `The folder holds several releases (${ids.join(', ')}); choose one with --name and --version.`,
  );
}

async function ensureNamespace(client: RegistryClient, namespace: string, progress: (e: PublishEvent) => void) {
  if (await client.getNamespace(namespace)) return;
  const me = await client.whoami();
  if (me.role !== 'admin') {
    throw new SignetError(
      'NAMESPACE_MISSING',
      `Namespace ${JSON.stringify(namespace)} does not exist (or this token cannot see it); ask an admin to create it (signet namespaces create ${namespace}).`,
    );
  }
  await client.createNamespace({ name: namespace });
  progress({ kind: 'step', message: `Created namespace ${namespace}.` });
}

/** The key ID the draft is made with: the given key (registered if needed), or the namespace key that signed. */
async function resolveKey(
  client: RegistryClient,
  namespace: string,
  files: readonly ReleaseFile[],
  publicKey: string | Uint8Array | undefined,
  progress: (e: PublishEvent) => void,
): Promise<string> {
  const keys = await client.listKeys(namespace);
  if (publicKey !== undefined) {
    const info = await inspectKey(publicKey);
    if (info.isPrivate) {
      throw new SignetError(
        'KEY_PRIVATE',
        `--key is a private key; give the public key (signet keys generate writes public.asc). The private key never goes to the registry.`,
      );
    }
    if (!keys.some((k) => k.key_id === info.keyId)) {
      await client.addKey(namespace, { ascii_armor: await readPublicKeyArmored(publicKey) });
      progress({ kind: 'step', message: `Registered key ${info.keyId} in namespace ${namespace}.` });
    }
    return info.keyId;
  }
  const sums = files.find((f) => parseArtifactName(f.fileName)?.kind === 'shasums');
  const sig = files.find((f) => parseArtifactName(f.fileName)?.kind === 'signature');
  if (sums && sig) {
    const [shasums, signature] = await Promise.all([
      readCapped(sums.path, ARTIFACT_SIZE_LIMITS.shasums),
      readCapped(sig.path, ARTIFACT_SIZE_LIMITS.signature),
    ]);
    // Validated before any request, so both are under their caps; were they not, no key would verify.
    if ('bytes' in shasums && 'bytes' in signature) {
      for (const key of keys) {
        const verification = { shasums: shasums.bytes, signature: signature.bytes, keys: [key.ascii_armor] };
        const result = await verifyShasumsSignature(verification).catch(() => undefined);
        if (result?.valid) return key.key_id;
      }
    }
  }
  throw new SignetError(
    'KEY_MISSING',
    `No key of namespace ${namespace} verifies ${sig?.fileName ?? 'the signature'}; pass the signing key's public half with --key public.asc.`,
  );
}
