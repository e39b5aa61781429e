import { readFile, stat } from 'node:fs/promises';

import {
  inspectKey,
  normalizeProtocols,
  parseArtifactName,
  parseManifest,
  readPublicKeyArmored,
  SignetError,
  selectReleaseFiles,
  sha256File,
  verifyShasumsSignature,
  type ReleaseFile,
} from '@signet/core';

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
}

export type PublishEvent =
  | { kind: 'step'; message: string }
  | { kind: 'upload'; fileName: string; size: number }
  | { kind: 'skip'; fileName: string };

export interface PublishResult {
  name: string;
  version: string;
  keyId: string;
  /** True when the same bytes were already published: nothing was changed. */
  alreadyPublished: boolean;
  uploaded: string[];
  skipped: string[];
  registryVersion: Version;
}

/**
 * Publishes a release folder to a Signet registry: namespace key, provider, draft, uploads (files already
 * uploaded with the same bytes are skipped, so a re-run resumes), then publish, which validates on the server.
 * Re-publishing identical bytes is a no-op; different bytes for a published version fail (published bytes never
 * change). The private key is never read here.
 */
export async function publishRelease(options: PublishReleaseOptions): Promise<PublishResult> {
  const { client, namespace } = options;
  const progress = options.onProgress ?? (() => {});
  const { name, version } = identify(options.files, options.name, options.version);
  const files = selectReleaseFiles(options.files, name, version);
  const local = new Map<string, { path: string; sha256: string; size: number }>();
  for (const file of files) {
    const [sha256, info] = await Promise.all([sha256File(file.path), stat(file.path)]);
    local.set(file.fileName, { path: file.path, sha256, size: info.size });
  }
  const protocols = normalizeProtocols(options.protocols ?? (await manifestProtocols(files)));

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
  for (const [fileName, file] of local) {
    if (existing.files.some((f) => f.file_name === fileName && f.sha256 === file.sha256)) {
      skipped.push(fileName);
      progress({ kind: 'skip', fileName });
      continue;
    }
    progress({ kind: 'upload', fileName, size: file.size });
    await client.uploadFile({ namespace, type: name, version }, fileName, file.path, file.sha256);
    uploaded.push(fileName);
  }
  const registryVersion = options.draft
    ? ((await client.getVersion(namespace, name, version)) as Version)
    : await client.publish(namespace, name, version);
  return { name, version, keyId, alreadyPublished: false, uploaded, skipped, registryVersion };
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

async function manifestProtocols(files: readonly ReleaseFile[]): Promise<string[]> {
  const manifest = files.find((f) => parseArtifactName(f.fileName)?.kind === 'manifest');
  if (!manifest) return ['5.0'];
  try {
    return parseManifest(await readFile(manifest.path, 'utf8')).protocols;
  } catch {
    return ['5.0']; // the registry's validation reports MANIFEST_INVALID with the details
  }
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
    const [shasums, signature] = await Promise.all([readFile(sums.path), readFile(sig.path)]);
    for (const key of keys) {
      const result = await verifyShasumsSignature({ shasums, signature, keys: [key.ascii_armor] }).catch(
        () => undefined,
      );
      if (result?.valid) return key.key_id;
    }
  }
  throw new SignetError(
    'KEY_MISSING',
    `No key of namespace ${namespace} verifies ${sig?.fileName ?? 'the signature'}; pass the signing key's public half with --key public.asc.`,
  );
}
