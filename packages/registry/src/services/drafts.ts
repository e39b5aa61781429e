import { normalizeProtocols, parseVersion } from '@signet/core';

import { MAX_VERSION_LENGTH, mustProvider } from '../http/api-kit';
import type * as S from '../http/api-schemas';
import { HttpError, noteSuppressedError } from '../http/errors';
import { prepareRelease, type PreparedRelease } from '../prepare-release';
import type { VersionFileRecord, VersionRecord } from '../storage/records';
import { explainStoreRefusal, formatVersion } from './draft-files';
import type { DraftServiceDeps } from './draft-service-deps';
import { formatReportKey } from './report-cache';
import { formatReportJson, validateStoredRelease } from './validate-stored-release';

/**
 * How long a publish holds its draft's files frozen. Far above a real publish (validating 13 zips of 100 MiB takes
 * seconds); only a publisher that died leaves the lease to run out, and the draft is open again after that.
 */
export const PUBLISH_LEASE_MS = 15 * 60 * 1000;

/** What a new draft names: the version (any semver spelling), its protocols and the key its SHA256SUMS is signed with. */
export interface NewDraftInput {
  namespace: string;
  type: string;
  version: string;
  protocols: readonly string[];
  /** The 16-hex key ID of a key of the namespace (any case). */
  keyId: string;
}

/**
 * Starts a draft version of an existing provider: the version in its canonical spelling (at most
 * `MAX_VERSION_LENGTH` characters), the protocols normalized, the key one the namespace has. A version that exists
 * already gets 409 (the store's conflict).
 */
export async function createDraft(deps: DraftServiceDeps, input: NewDraftInput): Promise<VersionRecord> {
  const { namespace, type } = input;
  const version = parseVersion(input.version);
  if (version.length > MAX_VERSION_LENGTH) {
    throw new HttpError(
      400,
      'VERSION_INVALID',
      `Expected a version of at most ${MAX_VERSION_LENGTH} characters, found ${version.length}; shorten its pre-release.`,
    );
  }
  const protocols = normalizeProtocols(input.protocols);
  await mustProvider(deps.metadata, namespace, type);
  const keyId = input.keyId.toUpperCase();
  if (!/^[0-9A-F]{16}$/.test(keyId) || !(await deps.metadata.getKey(namespace, keyId))) {
    throw new HttpError(
      422,
      'KEY_NOT_IN_NAMESPACE',
      `Key ${JSON.stringify(keyId)} is not a key of namespace ${namespace}; add it first (POST /api/v1/namespaces/${namespace}/keys, or signet publish --key public.asc).`,
    );
  }
  return deps.metadata.createVersion({ namespace, type, version, protocols, keyId });
}

/**
 * The validation report of a draft's current files, as `signet validate` would give it. Computed once per set of
 * inputs (file digests, key, protocols) and cached; computations are bounded by the validation gate (503 `BUSY`).
 */
export async function getDraftReport(deps: DraftServiceDeps, record: VersionRecord): Promise<S.ReportJson> {
  const { namespace, type, version } = record;
  const files = await deps.metadata.listFiles(namespace, type, version);
  const keyArmor = (await deps.metadata.getKey(namespace, record.keyId))?.asciiArmor;
  return deps.reports.get(formatReportKey(record, files, keyArmor), () =>
    deps.validations.run(async () =>
      formatReportJson(await validateStoredRelease(deps.blobs, deps.zipLimits, record, files, keyArmor)),
    ),
  );
}

/** Deletes a draft with its file records, then the bytes no other record uses. Published versions stay (409). */
export async function deleteDraft(deps: DraftServiceDeps, record: VersionRecord): Promise<void> {
  const { namespace, type, version } = record;
  await deps.failedLeases.settle(record);
  const result = await deps.metadata
    .deleteDraft(namespace, type, version)
    .catch(async (error: unknown) => Promise.reject(await explainStoreRefusal(deps, record, error)));
  if (!result.deleted) {
    throw new HttpError(
      409,
      'VERSION_PUBLISHED',
      `${formatVersion(record)} is published; published versions are never deleted. Yank it instead.`,
    );
  }
  await deps.keeper.collect(result.files.map((f) => f.sha256));
}

/** What a publish flipped. */
export interface PublishedDraft {
  prepared: PreparedRelease;
  files: VersionFileRecord[];
}

/**
 * Validates a draft and flips it to published, atomically. A lease in the store freezes the draft's files from the
 * first read to the flip (an upload meanwhile gets 409 and changes nothing), and the flip happens only if the
 * stored files are exactly those validated: also across processes sharing one store.
 */
export async function publishDraft(deps: DraftServiceDeps, record: VersionRecord): Promise<PublishedDraft> {
  const { namespace, type, version } = record;
  if (record.state === 'published') throw alreadyPublished(record);
  const key = await deps.metadata.getKey(namespace, record.keyId);
  if (!key)
    throw new HttpError(
      422,
      'KEY_NOT_IN_NAMESPACE',
      `Key ${record.keyId} of this draft was removed from namespace ${namespace}; add it again.`,
    );
  await deps.failedLeases.settle(record); // a lease an earlier, failed publish could not release
  const lease = await deps.metadata.beginPublish(namespace, type, version, { leaseMs: PUBLISH_LEASE_MS });
  if (lease === undefined) throw alreadyPublished(record);
  const leaseEnds = Date.now() + PUBLISH_LEASE_MS;
  try {
    const files = await deps.metadata.listFiles(namespace, type, version);
    const report = await deps.validations.run(() =>
      validateStoredRelease(deps.blobs, deps.zipLimits, record, files, key.asciiArmor),
    );
    if (!report.ok) throw HttpError.problems(report.problems);
    const prepared: PreparedRelease = {
      ...prepareRelease({ namespace, type, version, protocols: record.protocols, report, key, files }),
      report: formatReportJson(report),
    };
    const flipped = await deps.metadata.publishVersion(namespace, type, version, prepared, { lease, files });
    if (!flipped) throw alreadyPublished(record);
    return { prepared, files };
  } catch (error) {
    // Not flipped: the draft's files are free again. If even that write fails, the client still learns why the
    // publish failed (a 422 stays a 422), the log gets the release's error, and the draft's next change retries it.
    await deps.metadata.abortPublish(namespace, type, version, lease).catch((releaseError: unknown) => {
      deps.failedLeases.remember(record, lease, leaseEnds);
      noteSuppressedError(error, releaseError);
    });
    throw error;
  }
}

function alreadyPublished(record: VersionRecord): HttpError {
  return new HttpError(
    409,
    'VERSION_PUBLISHED',
    `${formatVersion(record)} is being published or already is; it can be published once.`,
  );
}
