import type {
  KeyRecord,
  NamespaceRecord,
  NewKey,
  NewNamespace,
  NewProvider,
  NewToken,
  NewVersion,
  NewVersionFile,
  ProviderRecord,
  TokenRecord,
  VersionFileRecord,
  VersionRecord,
} from './records';

/**
 * Where the registry keeps its metadata. Every method is async so that a networked backend (PostgreSQL) fits the
 * same interface; every backend passes `describeMetadataStoreContract`.
 *
 * Conventions: `create*`/`add*` stamp `createdAt` and return the stored record, throw `StoreConflictError` when it
 * already exists and `StoreNotFoundError` when its parent (namespace, provider, version) does not; `get*` return
 * `undefined` for an unknown record; `list*` return `[]` for an unknown parent. Lists are sorted: namespaces,
 * providers and keys by name, tokens and versions by creation, files by name.
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
  /** Deletes a draft and its file records; false when the version is published. Unknown version: not found. */
  deleteDraft(namespace: string, type: string, version: string): Promise<boolean>;

  /**
   * Adds a file to a draft, or replaces the file of that name. Conflicts when the version is published (its bytes
   * are immutable; the caller compares digests first to make re-uploads of identical bytes idempotent).
   */
  putFile(namespace: string, type: string, version: string, file: NewVersionFile): Promise<VersionFileRecord>;
  listFiles(namespace: string, type: string, version: string): Promise<VersionFileRecord[]>;

  /**
   * Atomically flips a draft to `published`, stamps `publishedAt` and stores `prepared`, only if it still is a
   * draft: of any number of concurrent calls exactly one returns true, the others false. Unknown version: not found.
   */
  publishVersion(namespace: string, type: string, version: string, prepared: unknown): Promise<boolean>;
  /** Sets (a message) or clears (`null`) the deprecation of a published version; a draft conflicts. */
  setDeprecation(namespace: string, type: string, version: string, message: string | null): Promise<VersionRecord>;
  /** Yanks or restores a published version; a draft conflicts. */
  setYanked(namespace: string, type: string, version: string, yanked: boolean): Promise<VersionRecord>;

  /** Releases the backend (file handles, locks, connections). The store is unusable afterwards. */
  close(): Promise<void>;
}
