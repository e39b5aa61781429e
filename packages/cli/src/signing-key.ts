import { stat } from 'node:fs/promises';

import { formatKeyId, inspectKey, isSignetError, readKey, SignetError } from '@signet/core';
import { parseKeyId, type ReleaseConfig, type ShasumsSigner } from '@signet/core/node';
import type { CliContext } from './context';
import { UsageError } from './context';
import { exportGpgPublicKey, listGpgSecretKeys, signWithGpg, type GpgSecretKey } from './gpg';
import { loadPrivateKey } from './key-files';
import { describeSignetKeyringLookup, findInSignetKeyring } from './signet-keyring';

type PrivateKey = Awaited<ReturnType<typeof loadPrivateKey>>;

/** A key ready to sign SHA256SUMS, wherever it came from. */
export interface SigningKey {
  /** Primary long ID, 16 upper-case hex (what terraform prints). */
  keyId: string;
  source: 'file' | 'signet-keyring' | 'gpg';
  /** The armored public key: what `validate` and a registry get. */
  publicKey: string;
  /** An unlocked openpgp key, or the author's gpg. */
  signer: PrivateKey | ShasumsSigner;
}

/** Names a signing key: a key file (as given, relative to the cwd) or a key ID / fingerprint; `flag` for messages. */
export type SigningKeyRef = { file: string; flag: string } | { keyId: string; flag: string };

/**
 * signet.yaml's `gpg_key`: a key ID when it is written as one (16 or 40 hex, optionally 0x) and no file of that
 * name exists beside signet.yaml; otherwise the key file, as before.
 */
export async function refOfReleaseConfig(config: ReleaseConfig): Promise<SigningKeyRef | undefined> {
  if (config.gpgKey === undefined) return undefined;
  const flag = 'provider.gpg_key';
  if (config.gpgKeyId !== undefined && (await stat(config.gpgKey).catch(() => undefined)) === undefined) {
    return { keyId: config.gpgKeyId, flag };
  }
  return { file: config.gpgKey, flag };
}

/** Reads `--key-id`: 16 or 40 hex, optionally 0x-prefixed; anything else is a usage error that says so. */
export function parseKeyIdFlag(value: string, flag = '--key-id'): SigningKeyRef {
  const keyId = parseKeyId(value);
  if (keyId === undefined) {
    const short = /^(?:0x)?[0-9a-f]{8}$/i.test(value.trim())
      ? ' Short 8-hex IDs collide easily and are not taken.'
      : '';
    throw new UsageError(
      `Expected ${flag} to be a key ID (16 hex) or fingerprint (40 hex), optionally 0x-prefixed, found ${JSON.stringify(value)}.${short} List yours with gpg --list-secret-keys --keyid-format long.`,
    );
  }
  return { keyId, flag };
}

/**
 * Finds and checks the signing key before any work is done: a key file is read and unlocked (SIGNET_GPG_PASSPHRASE);
 * a key ID is looked up in SIGNET_KEYRING, then in the author's gpg keyring (GNUPGHOME), whose `gpg` then signs.
 * A key terraform cannot read, or a weak, expired or revoked one, is refused with the core's reason (KEY_*).
 */
export async function resolveSigningKey(context: CliContext, ref: SigningKeyRef): Promise<SigningKey> {
  if ('file' in ref) return checked(fromPrivateKey(await loadPrivateKey(context, ref.file, ref.flag), 'file'), ref);
  const lookup = await findInSignetKeyring(context, ref.keyId);
  if (lookup.status === 'found') {
    const key = await loadPrivateKey(context, lookup.path, `SIGNET_KEYRING key ${ref.keyId}`);
    assertStoredKeyMatches(key, ref.keyId, lookup.path);
    return checked(fromPrivateKey(key, 'signet-keyring'), ref);
  }
  const where = describeSignetKeyringLookup(lookup);
  const match = await findInGpg(context, ref, where);
  const publicKey = await readKey(await exportGpgPublicKey(context, match.fingerprint));
  const signer: ShasumsSigner = {
    publicKey,
    sign: (_shasums, path) => signWithGpg(context, match.fingerprint, path),
  };
  return checked({ keyId: formatKeyId(publicKey), source: 'gpg', publicKey: publicKey.armor(), signer }, ref);
}

async function findInGpg(
  context: CliContext,
  ref: { keyId: string; flag: string },
  where: string,
): Promise<GpgSecretKey> {
  const named = `${ref.flag} ${JSON.stringify(ref.keyId)}`;
  let matches: GpgSecretKey[];
  try {
    matches = await listGpgSecretKeys(context, ref.keyId);
  } catch (error) {
    if (!isSignetError(error, 'GPG_MISSING')) throw error;
    throw new SignetError(
      'GPG_MISSING',
      `${named} is a key ID; ${where}, and gpg, which holds the author's keyring, is not installed (no "gpg" on the PATH). Install GnuPG (apt-get install gnupg, brew install gnupg), or give a key file: gpg --export-secret-keys --armor ${ref.keyId} > private.asc, then gpg_key: private.asc (or --key private.asc).`,
    );
  }
  const [match] = matches;
  if (match === undefined) {
    const home = context.env.GNUPGHOME ? `GNUPGHOME ${JSON.stringify(context.env.GNUPGHOME)}` : '~/.gnupg';
    throw new SignetError(
      'KEY_MISSING',
      `${named} names no secret key: ${where}, and the gpg keyring (${home}) has no secret key ${ref.keyId}. List the keys with gpg --list-secret-keys --keyid-format long, import one with gpg --import private.asc, or give a key file instead.`,
    );
  }
  if (matches.length > 1) {
    const list = matches.map((k) => `${k.fingerprint} ${JSON.stringify(k.userIds[0] ?? '')}`).join(', ');
    throw new SignetError(
      'KEY_AMBIGUOUS',
      `${named} matches ${matches.length} secret keys in the gpg keyring (${list}); give the 40-hex fingerprint of the one to sign with.`,
    );
  }
  if (!match.canSign) {
    throw new SignetError(
      'KEY_INVALID',
      `${named}: gpg key ${match.fingerprint} has no usable signing key (expired, revoked or without signing capability); terraform could not verify its signatures. Make or extend a signing key (gpg --quick-add-key ${match.fingerprint} rsa4096 sign 2y).`,
    );
  }
  return match;
}

function fromPrivateKey(key: PrivateKey, source: SigningKey['source']): SigningKey {
  return { keyId: formatKeyId(key), source, publicKey: key.toPublic().armor(), signer: key };
}

// Refuses before any packaging what signShasums would refuse after it, for gpg's keys as for Signet's.
async function checked(key: SigningKey, ref: SigningKeyRef): Promise<SigningKey> {
  const info = await inspectKey(key.publicKey);
  const refusal = info.problems.find((p) => p.severity === 'error' || p.code === 'KEY_EXPIRED');
  if (refusal) {
    const named = 'file' in ref ? ref.flag : `${ref.flag} ${JSON.stringify(ref.keyId)}`;
    throw new SignetError(refusal.code, `Cannot sign with ${named}: ${refusal.message}`);
  }
  return key;
}

// A store file is found by its name, so a key saved under another key's ID must not sign in its place.
function assertStoredKeyMatches(key: PrivateKey, keyId: string, path: string): void {
  const found = keyId.length === 40 ? key.getFingerprint().toUpperCase() : formatKeyId(key);
  if (found !== keyId) {
    throw new SignetError(
      'KEY_ID_MISMATCH',
      `Expected ${JSON.stringify(path)} in SIGNET_KEYRING to hold key ${keyId}, found key ${key.getFingerprint().toUpperCase()}; each file there must be named after its own key's long ID.`,
    );
  }
}
