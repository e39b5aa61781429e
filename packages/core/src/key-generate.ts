import * as openpgp from 'openpgp';

import { SignetError } from './errors';
import { inspectKey, type KeyInfo } from './keys';

/** The key types Signet generates; both are v4 keys that tofu/terraform verify (terraform-protocol.md §2.1). */
export type KeyAlgorithm = 'rsa4096' | 'ed25519';

export interface GenerateKeyOptions {
  name: string;
  email: string;
  /** Default `rsa4096`: HashiCorp's public registry takes RSA only, so an RSA key works everywhere. */
  algorithm?: KeyAlgorithm | undefined;
  /** A date, or seconds after creation; undefined = never expires. */
  expires?: Date | number | undefined;
  /** Encrypts the private key; undefined = unencrypted. */
  passphrase?: string | undefined;
  /** Creation time, default now. Lets tests make keys that are already expired. */
  created?: Date | undefined;
}

export interface GeneratedKey {
  privateKeyArmored: string;
  publicKeyArmored: string;
  info: KeyInfo;
}

/**
 * Makes a v4 signing key that tofu/terraform verify: RSA 4096, or ed25519 as EdDSA legacy (algorithm 22) —
 * never openpgp.js' `curve25519` (RFC 9580 algorithm 27) nor a v6 key, which terraform cannot read. The key
 * has no encryption subkey: it exists to sign releases, and a signing-only primary is what `gpg --quick-gen-key
 * NAME rsa4096 sign` makes (verified with terraform, §2.1).
 */
export async function generateKey(options: GenerateKeyOptions): Promise<GeneratedKey> {
  const name = options.name.trim();
  const email = options.email.trim();
  if (name === '' || /[<>]/.test(name)) {
    throw new SignetError(
      'INPUT_INVALID',
      `Invalid key name ${JSON.stringify(options.name)}: expected a non-empty name without "<" or ">".`,
    );
  }
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(email)) {
    throw new SignetError(
      'INPUT_INVALID',
      `Invalid key email ${JSON.stringify(options.email)}: expected an address such as dev@example.com.`,
    );
  }
  if (options.passphrase === '') {
    throw new SignetError(
      'INPUT_INVALID',
      'The passphrase is empty; give a passphrase, or none for an unencrypted key.',
    );
  }
  const created = options.created ?? new Date();
  const algorithm = options.algorithm ?? 'rsa4096';
  const { privateKey } = await openpgp.generateKey({
    ...(algorithm === 'rsa4096' ? { type: 'rsa', rsaBits: 4096 } : { type: 'ecc', curve: 'curve25519Legacy' }),
    userIDs: [{ name, email }],
    date: created,
    keyExpirationTime: expirySeconds(options.expires, created),
    subkeys: [],
    ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
    format: 'object',
    config: { v6Keys: false },
  });
  return {
    privateKeyArmored: privateKey.armor(),
    publicKeyArmored: privateKey.toPublic().armor(),
    info: await inspectKey(privateKey),
  };
}

function expirySeconds(expires: Date | number | undefined, created: Date): number {
  if (expires === undefined) return 0;
  const seconds = expires instanceof Date ? (expires.getTime() - created.getTime()) / 1000 : expires;
  if (!Number.isFinite(seconds) || seconds <= 0) {
    const found = expires instanceof Date ? expires.toISOString() : String(expires);
    throw new SignetError(
      'INPUT_INVALID',
      `Invalid key expiry ${JSON.stringify(found)}: expected a time after the key's creation.`,
    );
  }
  return Math.ceil(seconds);
}
