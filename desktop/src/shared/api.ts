// The desktop's one contract between the renderer and the services: every channel, its input schema and its
// result type. The preload exposes one method per channel (never a generic invoke), main registers one handler
// per channel, browser mode serves one `POST /api/<channel>` per channel, and the renderer talks to whichever
// is present through the same `SignetApi` type. Nothing here imports Node or Electron: the renderer bundles it.
//
// Private keys and passphrases go one way only: passphrases in (as inputs), never out. No result type below
// carries private key material, a passphrase or a stored token.
import { z } from 'zod';

// Shared pieces

const keyId = z.string().regex(/^[0-9A-F]{16}$/, 'a 16-hex upper-case key ID');
const passphrase = z.string().min(1, 'a passphrase').max(1024);
const path = z.string().min(1, 'a path').max(4096);
/** `2y`, `18m`, `90d` or `never`. */
const expires = z.string().regex(/^(never|[1-9][0-9]{0,3}[dmy])$/, 'like 2y, 18m, 90d or never');
const releaseId = z.string().min(1).max(300);
const registryId = z.string().min(1).max(100);
const empty = z.object({}).strict();

// Results

/** How a key may be used, as the Keys table's badge shows it. */
export type KeyBadge = 'Compatible' | 'Expires soon' | 'Expired' | 'Revoked' | 'Incompatible';

export interface KeyView {
  keyId: string;
  /** 40 hex, upper case, grouped by 4 with spaces for display. */
  fingerprint: string;
  name: string;
  email: string;
  /** E.g. `RSA 4096`, `EdDSA (ed25519 legacy)`. */
  algorithm: string;
  created: string;
  expires: string | null;
  badge: KeyBadge;
  /** Why the badge is not Compatible (the core's problem message), else null. */
  reason: string | null;
  /** Whether Signet holds the private key (encrypted at rest) or only the public key. */
  hasPrivateKey: boolean;
  /** Whether a revocation certificate was kept at generation. */
  hasRevocationCertificate: boolean;
  /** Whether a passphrase for it is remembered (in safeStorage). */
  passphraseRemembered: boolean;
}

export type ProblemSeverity = 'error' | 'warning';

export interface ProblemView {
  code: string;
  severity: ProblemSeverity;
  file: string | null;
  message: string;
  fix: string | null;
}

export type PlatformState = 'waiting' | 'packaging' | 'done' | 'failed';

export interface ReleaseTask {
  kind: 'package' | 'sign' | 'publish';
  /** Package: one row per platform, in platform order. */
  platforms: { platform: string; state: PlatformState }[];
  /** Publish: upload bytes sent of total. */
  bytesSent: number;
  bytesTotal: number;
  /** Set once the task ended with an error (the release's state is unchanged by it). */
  error: ApiError | null;
  running: boolean;
}

export type ReleaseStatus = 'draft' | 'published' | 'deprecated' | 'yanked';

export interface ReleaseView {
  id: string;
  namespace: string;
  provider: string;
  version: string;
  protocols: string[];
  keyId: string | null;
  registryId: string;
  /** Where raw binaries, zips or a GoReleaser dist/ are read from (null for an opened release folder). */
  inputFolder: string | null;
  /** Where the release's artifacts are written and validated. */
  releaseFolder: string;
  /** Grows on every re-validation (the folder watcher), so the renderer can tell a fresh list. */
  revision: number;
  problems: ProblemView[];
  /** True when no problem is an error: Publish is enabled. */
  publishable: boolean;
  status: ReleaseStatus;
  deprecationMessage: string | null;
  task: ReleaseTask | null;
}

export interface RegistryView {
  id: string;
  /** `Local` for the built-in one. */
  name: string;
  url: string | null;
  builtIn: boolean;
  hasToken: boolean;
  /** How the token is kept: `safeStorage`, `plain` (the user accepted it), or null with no token. */
  tokenStorage: 'safeStorage' | 'plain' | null;
  caFile: string | null;
}

export type ConnectionProblem = 'unreachable' | 'tls' | 'token' | 'not-a-registry';

export interface ConnectionTest {
  ok: boolean;
  problem: ConnectionProblem | null;
  /** What is wrong and the fix, or what works ("Connected as token X with rights publish"). */
  message: string;
}

export interface LocalRegistryStatus {
  running: boolean;
  /** `https://localhost:PORT` while running. */
  url: string | null;
  port: number | null;
  dataDir: string;
  /** The local CA's certificate file (made on first start). */
  caFile: string | null;
  /** E.g. `localhost:8443/acme/hello`, or an example while nothing is published. */
  sourceAddress: string;
  /** The `provider_installation` (network mirror) and `credentials` blocks for the CLI configuration file. */
  cliConfiguration: string;
  /** `export SSL_CERT_FILE=…`. */
  environment: string;
}

export interface MirrorExport {
  folder: string;
  files: number;
  /** The `provider_installation { filesystem_mirror { … } }` block to use. */
  filesystemMirror: string;
}

export interface SecretStorageStatus {
  /** Electron's `safeStorage.getSelectedStorageBackend()` on Linux, `keychain`/`dpapi` elsewhere, `none` in browser mode. */
  backend: string;
  /** False on `basic_text` and in browser mode: secrets are then refused or kept plain with consent. */
  available: boolean;
  reason: string | null;
}

export interface AppInfo {
  version: string;
  /** `electron` or `browser`. */
  mode: 'electron' | 'browser';
  dataDir: string;
  secretStorage: SecretStorageStatus;
}

// The result envelope: every channel answers with one, over IPC and HTTP alike.

export const API_ERROR_CODES = [
  'INPUT_INVALID',
  'NOT_FOUND',
  'CONFLICT',
  'BAD_PASSPHRASE',
  'KEY_INCOMPATIBLE',
  'SECRET_STORAGE_UNAVAILABLE',
  'RELEASE_INVALID',
  'REGISTRY_NOT_RUNNING',
  'REGISTRY_ERROR',
  'UNSUPPORTED',
  'INTERNAL',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export interface ApiError {
  code: ApiErrorCode;
  /** What was expected, what was found, the fix. Never key material, a passphrase or a token. */
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

// Channels: name → input schema. The result type of each is in `ChannelResults`.

export const CHANNELS = {
  appInfo: empty,

  keysList: empty,
  keysGenerate: z
    .object({
      name: z.string().trim().min(1).max(200),
      email: z.email().max(200),
      expires,
      passphrase,
      confirmPassphrase: passphrase,
      algorithm: z.enum(['rsa4096', 'ed25519']).default('rsa4096'),
    })
    .strict()
    .refine((input) => input.passphrase === input.confirmPassphrase, {
      message: 'The two passphrases differ',
      path: ['confirmPassphrase'],
    }),
  /** `key` is armored text; `binaryBase64` a binary key file read by the renderer. One of the two. */
  keysImport: z
    .object({
      key: z.string().max(1_048_576).optional(),
      binaryBase64: z.string().max(1_400_000).optional(),
      passphrase: passphrase.optional(),
    })
    .strict()
    .refine((input) => (input.key === undefined) !== (input.binaryBase64 === undefined), {
      message: 'Give the key as text or as a file, one of the two',
    }),
  keysPublicKey: z.object({ keyId }).strict(),
  keysSavePublicKey: z.object({ keyId, path }).strict(),
  /** Writes the passphrase-encrypted private key to a file; the key itself never comes back. */
  keysBackUpPrivateKey: z.object({ keyId, path }).strict(),
  keysChangeExpiry: z.object({ keyId, expires, passphrase: passphrase.optional() }).strict(),
  keysRevoke: z.object({ keyId }).strict(),
  keysDelete: z.object({ keyId, confirmKeyId: z.string() }).strict(),
  keysRememberPassphrase: z.object({ keyId, passphrase }).strict(),
  keysForgetPassphrase: z.object({ keyId }).strict(),

  releasesList: empty,
  releasesCreate: z
    .object({
      namespace: z.string().min(1).max(64),
      provider: z.string().min(1).max(64),
      version: z.string().min(1).max(128),
      protocols: z.array(z.enum(['5.0', '6.0'])).min(1),
      keyId: keyId.nullable(),
      registryId,
      inputFolder: path,
    })
    .strict(),
  /** Opens an existing release folder (zips, SHA256SUMS, .sig) and validates it the same way. */
  releasesOpen: z.object({ releaseFolder: path, registryId: registryId.optional() }).strict(),
  releasesGet: z.object({ releaseId }).strict(),
  /** Starts packaging; progress shows in `releasesGet(...).task`. Resolves when it ends. */
  releasesPackage: z.object({ releaseId }).strict(),
  /** Signs SHA256SUMS; without a passphrase, a remembered one is used. */
  releasesSign: z.object({ releaseId, passphrase: passphrase.optional() }).strict(),
  releasesPublish: z.object({ releaseId }).strict(),
  releasesDeprecate: z.object({ releaseId, message: z.string().trim().min(1).max(500) }).strict(),
  releasesYank: z.object({ releaseId }).strict(),
  releasesRestore: z.object({ releaseId }).strict(),
  releasesRemove: z.object({ releaseId }).strict(),

  registriesList: empty,
  registriesAdd: z
    .object({
      url: z.url({ protocol: /^https?$/ }).max(2000),
      token: z.string().max(4096).optional(),
      caFile: path.optional(),
      /** The user accepted keeping the token in plain text where safeStorage cannot. */
      allowPlainToken: z.boolean().default(false),
    })
    .strict(),
  registriesTest: z.object({ registryId }).strict(),
  registriesRemove: z.object({ registryId }).strict(),

  localStatus: empty,
  localStart: z.object({ port: z.number().int().min(0).max(65535).optional() }).strict(),
  localStop: empty,
  localExportMirror: z.object({ folder: path }).strict(),

  /** Electron only (a native dialog); browser mode answers UNSUPPORTED and the renderer hides `Browse…`. */
  dialogChooseFolder: z.object({ title: z.string().max(200).optional() }).strict(),
} as const;

export type Channel = keyof typeof CHANNELS;
export const CHANNEL_NAMES = Object.keys(CHANNELS) as Channel[];

export interface ChannelResults {
  appInfo: AppInfo;
  keysList: KeyView[];
  keysGenerate: KeyView;
  keysImport: { key: KeyView; merged: boolean };
  keysPublicKey: { armored: string };
  keysSavePublicKey: { path: string };
  keysBackUpPrivateKey: { path: string };
  /** `note` says the public key must be re-added to each registry. */
  keysChangeExpiry: { key: KeyView; note: string };
  keysRevoke: { key: KeyView; note: string };
  keysDelete: { deleted: true };
  keysRememberPassphrase: { remembered: true };
  keysForgetPassphrase: { forgotten: boolean };

  releasesList: ReleaseView[];
  releasesCreate: ReleaseView;
  releasesOpen: ReleaseView;
  releasesGet: ReleaseView;
  releasesPackage: ReleaseView;
  releasesSign: ReleaseView;
  releasesPublish: ReleaseView;
  releasesDeprecate: ReleaseView;
  releasesYank: ReleaseView;
  releasesRestore: ReleaseView;
  releasesRemove: { removed: true };

  registriesList: RegistryView[];
  registriesAdd: RegistryView;
  registriesTest: ConnectionTest;
  registriesRemove: { removed: true };

  localStatus: LocalRegistryStatus;
  localStart: LocalRegistryStatus;
  localStop: LocalRegistryStatus;
  localExportMirror: MirrorExport;

  dialogChooseFolder: { path: string | null };
}

/** What a caller passes: the schema's input (defaults optional). */
export type ChannelInput<C extends Channel> = z.input<(typeof CHANNELS)[C]>;
/** What a handler receives: the parsed input. */
export type ChannelArgs<C extends Channel> = z.output<(typeof CHANNELS)[C]>;

/** The API the renderer uses: the preload's object under Electron, the HTTP twin in browser mode. */
export type SignetApi = { [C in Channel]: (input: ChannelInput<C>) => Promise<Result<ChannelResults[C]>> };

/** What the services implement: parsed input in, value out (errors thrown as `DesktopError`). */
export type ServiceHandlers = { [C in Channel]: (input: ChannelArgs<C>) => Promise<ChannelResults[C]> };

/** IPC channel names are namespaced so they cannot collide with Electron's own. */
export function ipcChannelName(channel: Channel): string {
  return `signet:${channel}`;
}

/** Browser mode's path for a channel. */
export function httpChannelPath(channel: Channel): string {
  return `/api/${channel}`;
}

/** Parses a channel's raw input into an envelope error or the parsed arguments. */
export function parseChannelInput<C extends Channel>(
  channel: C,
  raw: unknown,
): { ok: true; value: ChannelArgs<C> } | { ok: false; error: ApiError } {
  const parsed = CHANNELS[channel].safeParse(raw ?? {});
  if (parsed.success) return { ok: true, value: parsed.data as ChannelArgs<C> };
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? 'input' : issue.path.join('.');
  return {
    ok: false,
    error: { code: 'INPUT_INVALID', message: `${channel}: ${where}: ${issue?.message ?? 'invalid'}` },
  };
}
