import type {
  KeyRecord,
  NamespaceRecord,
  NewKey,
  NewNamespace,
  NewProvider,
  NewToken,
  NewVersion,
  NewVersionFile,
  DeleteDraftResult,
  ProviderRecord,
  PreparedDocument,
  PublishCondition,
  PutFileResult,
  TokenRecord,
  VersionFileRecord,
  VersionRecord,
  VersionWithFiles,
} from './records';

/**
 * Where the registry keeps its metadata. Every method is async so that a networked backend (PostgreSQL) fits the
 * same interface; every backend passes `runMetadataStoreContract` (contract/metadata-store-contract.ts).
 *
 * Conventions: `create*`/`add*` stamp `createdAt` and return the stored record, throw `StoreConflictError` when it
 * already exists and `StoreNotFoundError` when its parent (namespace, provider, version) does not; `get*` return
 * `undefined` for an unknown record; `list*` return `[]` for an unknown parent. Lists are sorted: namespaces,
 * providers and keys by name, tokens and versions by creation, files by name. A text value with a NUL character
 * is refused with `INPUT_INVALID` (SQLite would cut it short, PostgreSQL cannot store it). A backend that cannot be
 * reached throws `StoreUnavailableError` and has stored nothing of the call. `close` is idempotent.
 */
export interface MetadataStore {
  createNamespace(input: NewNamespace): Promise<NamespaceRecord>;
  getNamespace(name: string): Promise<NamespaceRecord | undefined>;
  listNamespaces(): Promise<NamespaceRecord[]>;

  /** Conflicts when the ID or the secret hash is taken. */
  createToken(input: NewToken): Promise<TokenRecord>;
  /** Finds a token by the SHA-256 of its secret, revoked or not (the caller refuses revoked ones). */
  findTokenBySecretHash(secretHash: string): Promise<TokenRecord | undefined>;
  listTokens(): Promise<TokenRecord[]>;
  /** Stamps `revokedAt`; false when it already was revoked (the first date stays). Unknown ID: not found. */
  revokeToken(id: string): Promise<boolean>;

  /** Conflicts when the key ID already exists in that namespace. */
  addKey(input: NewKey): Promise<KeyRecord>;
  getKey(namespace: string, keyId: string): Promise<KeyRecord | undefined>;
  listKeys(namespace: string): Promise<KeyRecord[]>;
  /** False when there was no such key. Versions keep naming the key ID they were signed with. */
  deleteKey(namespace: string, keyId: string): Promise<boolean>;

  createProvider(input: NewProvider): Promise<ProviderRecord>;
  getProvider(namespace: string, type: string): Promise<ProviderRecord | undefined>;
  listProviders(namespace: string): Promise<ProviderRecord[]>;

  /** Creates a `draft` version, not yanked, without files. */
  createVersion(input: NewVersion): Promise<VersionRecord>;
  getVersion(namespace: string, type: string, version: string): Promise<VersionRecord | undefined>;
  /** Every version of a provider, drafts and yanked ones included: the caller filters for what it serves. */
  listVersions(namespace: string, type: string): Promise<VersionRecord[]>;
  /** `listVersions`, each with its files (as `listFiles` lists them), read at once: never a query per version. */
  listVersionsWithFiles(namespace: string, type: string): Promise<VersionWithFiles[]>;
  /**
   * Deletes a draft and its file records, returning the records removed (their bytes may now be unused);
   * `{deleted: false}` when the version is published. Conflicts while a publish holds its lease. Unknown version:
   * not found.
   */
  deleteDraft(namespace: string, type: string, version: string): Promise<DeleteDraftResult>;

  /**
   * Adds a file to a draft, or replaces the file of that name, and says which record it replaced. Conflicts when
   * the version is published (its bytes are immutable; the caller compares digests first to make re-uploads of
   * identical bytes idempotent) or while a publish holds its lease (`beginPublish`): a publish validates exactly
   * the files it flips. With `quotaBytes`, refuses with `StoreQuotaError` when the namespace's drafts would hold
   * more bytes than that afterwards; checked in the same transaction, so concurrent uploads cannot overshoot.
   */
  putFile(
    namespace: string,
    type: string,
    version: string,
    file: NewVersionFile,
    options?: { quotaBytes?: number | undefined },
  ): Promise<PutFileResult>;
  /**
   * Removes one file of a draft; undefined when the draft has no file of that name. Conflicts like `putFile`.
   * Unknown version: not found.
   */
  deleteFile(
    namespace: string,
    type: string,
    version: string,
    fileName: string,
  ): Promise<VersionFileRecord | undefined>;
  listFiles(namespace: string, type: string, version: string): Promise<VersionFileRecord[]>;
  /** The bytes the files of a namespace's drafts declare, summed (what the draft quota counts). */
  sumDraftBytes(namespace: string): Promise<number>;
  /** True when any file record, of any version, names this digest: its blob must stay. */
  isBlobReferenced(sha256: string): Promise<boolean>;

  /**
   * Starts a publish: while its lease lasts (until `publishVersion` or `abortPublish` with it, or `leaseMs`
   * passed, so a crashed publisher does not lock a draft for ever), the draft's files cannot change and no other
   * lease is given. Returns the lease ID; undefined when the version is published or another live lease holds it.
   * Unknown version: not found.
   */
  beginPublish(
    namespace: string,
    type: string,
    version: string,
    options: { leaseMs: number },
  ): Promise<string | undefined>;
  /** Ends a lease without publishing (validation failed); a lease that is no longer held is left alone. */
  abortPublish(namespace: string, type: string, version: string, lease: string): Promise<void>;
  /**
   * Atomically flips a draft to `published`, stamps `publishedAt` and stores `prepared`, only if it still is a
   * draft: of any number of concurrent calls exactly one returns true, the others false. With a `condition`, only
   * if its lease is still the draft's and the stored files are exactly its files (by name and digest), all in one
   * transaction; without one, only if no live lease holds the draft. Unknown version: not found.
   */
  publishVersion(
    namespace: string,
    type: string,
    version: string,
    prepared: PreparedDocument,
    condition?: PublishCondition,
  ): Promise<boolean>;
  /** Sets (a message) or clears (`null`) the deprecation of a published version; a draft conflicts. */
  setDeprecation(namespace: string, type: string, version: string, message: string | null): Promise<VersionRecord>;
  /** Yanks or restores a published version; a draft conflicts. */
  setYanked(namespace: string, type: string, version: string, yanked: boolean): Promise<VersionRecord>;

  /** Releases the backend (file handles, locks, connections). The store is unusable afterwards. */
  close(): Promise<void>;
}
