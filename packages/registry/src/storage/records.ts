// What the registry stores about namespaces, tokens, keys, providers and versions (design.md §2). Timestamps are
// ISO 8601 strings in UTC, stamped by the store; every backend returns these exact shapes.
import { API_SCHEMAS } from '@signet/api';
import { z } from 'zod';

import { StoreSchemaError } from './errors';

/** Who may read a namespace through the protocol routes: anyone, or holders of a `read` token for it. */
export type NamespaceVisibility = 'public' | 'private';

/** An organisation or account; owns keys and providers. */
export interface NamespaceRecord {
  name: string;
  visibility: NamespaceVisibility;
  createdAt: string;
}

/** What a token may do: `admin` everything; `publish` and `read` within its namespaces. */
export type TokenRole = 'admin' | 'publish' | 'read';

/** An API token. The secret itself is never stored, only its SHA-256. */
export interface TokenRecord {
  id: string;
  name: string;
  /** SHA-256 (lower-case hex) of the token's secret: how a bearer token is looked up. */
  secretHash: string;
  role: TokenRole;
  /** The namespaces a `publish` or `read` token is scoped to; empty for an admin token (all namespaces). */
  namespaces: string[];
  createdAt: string;
  revokedAt?: string;
}

/** A GPG public key of a namespace, as the download responses serve it. */
export interface KeyRecord {
  namespace: string;
  /** The primary key's long ID: 16 upper-case hex characters. */
  keyId: string;
  fingerprint: string;
  asciiArmor: string;
  source?: string;
  sourceUrl?: string;
  createdAt: string;
}

/** A provider `namespace/type`. */
export interface ProviderRecord {
  namespace: string;
  type: string;
  createdAt: string;
}

/** `draft` while files are added; `published` once validated and flipped, after which its files never change. */
export type VersionState = 'draft' | 'published';

/** A version of a provider. */
export interface VersionRecord {
  namespace: string;
  type: string;
  version: string;
  /** Normalised protocol versions (`5.0`, `6.0`). */
  protocols: string[];
  /** The key ID that signed (or will sign) `SHA256SUMS`. */
  keyId: string;
  state: VersionState;
  /** The deprecation message terraform prints; absent when the version is not deprecated. */
  deprecation?: string;
  /** A yanked version is no longer listed. */
  yanked: boolean;
  createdAt: string;
  publishedAt?: string;
  /**
   * The responses prepared at publish time (the download response per platform, the mirror archives), so that a
   * read is a lookup; absent on drafts. Stored with its `PREPARED_DOCUMENT_VERSION` and checked on every read.
   */
  prepared?: PreparedDocument;
}

/** A file of a version; its bytes live in the blob store under `sha256`. */
export interface VersionFileRecord {
  fileName: string;
  /** SHA-256 (lower-case hex) of the content: the blob's address. */
  sha256: string;
  size: number;
  uploadedAt: string;
}

/** A version with its files, as `listVersionsWithFiles` reads them. */
export interface VersionWithFiles extends VersionRecord {
  files: VersionFileRecord[];
}

/** A namespace to create. */
export type NewNamespace = Omit<NamespaceRecord, 'createdAt'>;

/** A token to create. */
export type NewToken = Omit<TokenRecord, 'createdAt' | 'revokedAt'>;

/** A key to add to a namespace. */
export type NewKey = Omit<KeyRecord, 'createdAt'>;

/** A provider to create in an existing namespace. */
export type NewProvider = Omit<ProviderRecord, 'createdAt'>;

/** A draft version to create for an existing provider. */
export type NewVersion = Pick<VersionRecord, 'namespace' | 'type' | 'version' | 'protocols' | 'keyId'>;

/** A file to add to (or replace in) a draft. */
export type NewVersionFile = Omit<VersionFileRecord, 'uploadedAt'>;

/** What `putFile` did: the stored record, and the record of that name it replaced (whose bytes may now be unused). */
export interface PutFileResult {
  file: VersionFileRecord;
  replaced: VersionFileRecord | undefined;
}

/** What `deleteDraft` did: nothing for a published version, else the file records it removed with the draft. */
export type DeleteDraftResult = { deleted: false } | { deleted: true; files: VersionFileRecord[] };

/** A file a publish validated: the flip happens only if the stored files are exactly these. */
export type ValidatedFile = Pick<VersionFileRecord, 'fileName' | 'sha256'>;

/** The condition of a publish that holds a lease (`beginPublish`). */
export interface PublishCondition {
  /** The lease ID `beginPublish` returned. */
  lease: string;
  /** The files the publish validated, by name and digest. */
  files: readonly ValidatedFile[];
}

/**
 * The version of the prepared document's shape that this code writes and reads. A store keeps it next to every
 * document; a document of another version is refused on read (`StoreSchemaError`), never guessed at. Bump it, and
 * teach `parsePreparedDocument` the old shape, when the shape changes incompatibly.
 */
export const PREPARED_DOCUMENT_VERSION = 1;

const gpgPublicKey = z.object({
  key_id: z.string(),
  ascii_armor: z.string(),
  trust_signature: z.literal(''),
  source: z.string().optional(),
  source_url: z.string().optional(),
});

const downloadResponse = z.object({
  protocols: z.array(z.string()),
  os: z.string(),
  arch: z.string(),
  filename: z.string(),
  download_url: z.string(),
  shasums_url: z.string(),
  shasums_signature_url: z.string(),
  shasum: z.string(),
  signing_keys: z.object({ gpg_public_keys: z.array(gpgPublicKey) }),
});

/**
 * The prepared document (version 1): what the read side serves for one published version, as prepare-release.ts
 * builds it (`PreparedRelease` there is this very shape; a type test keeps the two equal).
 */
export const preparedDocumentSchema = z.object({
  protocols: z.array(z.string()),
  platforms: z.array(z.object({ os: z.string(), arch: z.string() })),
  downloads: z.record(z.string(), downloadResponse),
  mirror: z.object({ archives: z.record(z.string(), z.object({ url: z.string(), hashes: z.array(z.string()) })) }),
  files: z.record(z.string(), z.object({ sha256: z.string(), size: z.number() })),
  keyId: z.string(),
  fingerprint: z.string().optional(),
  report: API_SCHEMAS.Report.optional(),
});

/** The typed prepared document of a published version. */
export type PreparedDocument = z.output<typeof preparedDocumentSchema>;

/**
 * Reads the prepared document of `version` (named in messages) stored with `documentVersion`. Throws
 * `StoreSchemaError` for another document version (a newer Signet wrote it) or a document not of its shape.
 */
export function readPreparedDocument(version: string, documentVersion: number, json: unknown): PreparedDocument {
  if (documentVersion !== PREPARED_DOCUMENT_VERSION) {
    throw new StoreSchemaError(
      `Expected the prepared document of version ${JSON.stringify(version)} to be of document version ${PREPARED_DOCUMENT_VERSION}, found ${documentVersion}; run a newer Signet on this database.`,
    );
  }
  const parsed = preparedDocumentSchema.safeParse(json);
  if (!parsed.success) {
    throw new StoreSchemaError(
      `Expected the prepared document of version ${JSON.stringify(version)} to match document version ${PREPARED_DOCUMENT_VERSION}, found: ${z.prettifyError(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}
