import * as openpgp from 'openpgp';
import type { AlgorithmInfo, Key, PrivateKey, Subkey } from 'openpgp';

import { SignetError } from './errors';
import { createProblem, type Problem } from './problem';

/** Anything a key can be given as: armored text, binary bytes, or an already-read openpgp key. */
export type KeyInput = string | Uint8Array | Key;

/** What Signet knows about a key, and whether tofu/terraform can verify signatures made with it. */
export interface KeyInfo {
  /** Primary key long ID, 16 upper-case hex: what terraform prints as "key ID", even for subkey signatures. */
  keyId: string;
  fingerprint: string;
  /** For example 'RSA 4096', 'EdDSA (ed25519 legacy)', 'ECDSA P-256', 'Ed25519 (RFC 9580)'. */
  algorithm: string;
  version: number;
  userIds: string[];
  created: string;
  expires: string | null;
  expired: boolean;
  revoked: boolean;
  isPrivate: boolean;
  /** Only for private keys: whether any secret key material is still passphrase-protected. */
  encrypted?: boolean;
  /** False when terraform cannot read the key or would refuse its signatures (unsupported, revoked, invalid). */
  compatible: boolean;
  problems: Problem[];
}

// RFC 9580 algorithms X25519, X448, Ed25519, Ed448. terraform's go-crypto 1.0 skips these packets while reading
// a key, so a primary key of this kind fails to decode and a subkey of this kind silently disappears.
const RFC9580_ALGORITHMS = new Set<number>([25, 26, 27, 28]);
const CURVE_LABELS: Record<string, string> = {
  nistP256: 'P-256',
  nistP384: 'P-384',
  nistP521: 'P-521',
  ed25519Legacy: 'ed25519 legacy',
  curve25519Legacy: 'Curve25519 legacy',
};
// Codes that mean terraform refuses the key or its signatures; KEY_WEAK and KEY_EXPIRED do not (terraform takes
// RSA-1024 and expired keys), Signet just refuses to sign with a weak key.
const INCOMPATIBLE_CODES = new Set<string>(['KEY_UNSUPPORTED', 'KEY_REVOKED', 'KEY_INVALID']);
const MIN_RSA_BITS = 2048;
const TERRAFORM_DECODE_ERROR =
  '"error decoding signing key: openpgp: invalid data: first packet was not a public/private key"';

/**
 * Reads one OpenPGP key, armored or binary, public or private. It only parses: a v6 or RFC 9580 key reads fine
 * here, and {@link inspectKey} says whether terraform can use it. Throws SignetError('KEY_INVALID').
 */
export async function readKey(data: string | Uint8Array): Promise<Key> {
  const text = typeof data === 'string' ? data : startsWithArmor(data) ? new TextDecoder().decode(data) : undefined;
  const block = text === undefined ? undefined : /-----BEGIN PGP ([A-Z ,/0-9]+)-----/.exec(text)?.[1];
  if (text !== undefined && block !== 'PUBLIC KEY BLOCK' && block !== 'PRIVATE KEY BLOCK') {
    const found = block === undefined ? 'text without an armor header' : `an armored "${block}"`;
    throw new SignetError('KEY_INVALID', `Expected an OpenPGP key, found ${found}. ${KEY_FORMS}`);
  }
  let keys: Key[];
  try {
    keys =
      text === undefined
        ? await openpgp.readKeys({ binaryKeys: data as Uint8Array })
        : await openpgp.readKeys({ armoredKeys: text });
  } catch (error) {
    throw new SignetError('KEY_INVALID', `Cannot read the OpenPGP key (${reasonOf(error)}). ${KEY_FORMS}`, {
      cause: error,
    });
  }
  const [key] = keys;
  if (!key || keys.length > 1) {
    throw new SignetError(
      'KEY_INVALID',
      `Expected exactly one OpenPGP key, found ${keys.length} (${keys.map(formatKeyId).join(', ')}); export only the signing key (gpg --export --armor FINGERPRINT).`,
    );
  }
  return key;
}

const KEY_FORMS =
  'Give an armored ("-----BEGIN PGP PUBLIC KEY BLOCK-----" or "...PRIVATE KEY BLOCK...") or binary key, as written by `gpg --export` or `signet keys generate`.';

/** Describes a key and lists what stops tofu/terraform from verifying its signatures (see {@link KeyInfo}). */
export async function inspectKey(input: KeyInput): Promise<KeyInfo> {
  const key = await toKey(input);
  const keyId = formatKeyId(key);
  const now = new Date();
  const expiry = await key.getExpirationTime();
  const revoked = await key.isRevoked();
  const expired = expiry instanceof Date && expiry.getTime() <= now.getTime();
  const info: KeyInfo = {
    keyId,
    fingerprint: key.getFingerprint().toUpperCase(),
    algorithm: describeAlgorithm(key.getAlgorithmInfo()),
    version: key.keyPacket.version,
    userIds: key.getUserIDs(),
    created: key.getCreationTime().toISOString(),
    expires: expiry instanceof Date ? expiry.toISOString() : null,
    expired,
    revoked,
    isPrivate: key.isPrivate(),
    compatible: true,
    problems: [],
  };
  if (key.isPrivate()) info.encrypted = !key.isDecrypted();
  // An expired key is judged just before it expired: terraform still accepts its signatures (§0.11).
  const at = expired ? new Date(expiry.getTime() - 1000) : now;
  info.problems = await checkKey(key, info, at);
  info.compatible = !info.problems.some((p) => INCOMPATIBLE_CODES.has(p.code));
  return info;
}

async function checkKey(key: Key, info: KeyInfo, at: Date): Promise<Problem[]> {
  const id = info.keyId;
  if (key.keyPacket.version !== 4) {
    return [
      createProblem(
        'KEY_UNSUPPORTED',
        `Key ${id} is an OpenPGP v${key.keyPacket.version} key; terraform reads only v4 keys and fails with ${TERRAFORM_DECODE_ERROR}. Make a v4 RSA 4096 or ed25519 (EdDSA legacy) key instead.`,
      ),
    ];
  }
  if (RFC9580_ALGORITHMS.has(key.keyPacket.algorithm)) {
    return [
      createProblem(
        'KEY_UNSUPPORTED',
        `Key ${id} uses ${info.algorithm}, algorithm ${key.keyPacket.algorithm} of RFC 9580, which terraform cannot read: it fails with ${TERRAFORM_DECODE_ERROR}. openpgp.js makes such keys for type 'curve25519'; make an ed25519 (EdDSA legacy, algorithm 22) or RSA 4096 key instead.`,
      ),
    ];
  }
  const problems: Problem[] = [];
  if (info.revoked) {
    problems.push(
      createProblem(
        'KEY_REVOKED',
        `Key ${id} is revoked; terraform refuses signatures made by a revoked key. Sign with a new key and publish its public key.`,
      ),
    );
    return problems;
  }
  if (info.expired) {
    problems.push(
      createProblem(
        'KEY_EXPIRED',
        `Key ${id} expired on ${info.expires ?? '?'}. terraform still accepts its signatures, but Signet (like gpg) will not sign with it; extend it (gpg --quick-set-expire FINGERPRINT 2y) or make a new key.`,
        { severity: 'warning' },
      ),
    );
  }
  const weak = weakness(key.keyPacket.algorithm, key.getAlgorithmInfo());
  if (weak) problems.push(createProblem('KEY_WEAK', `Key ${id} is ${weak}`));
  let signingKey: Key | Subkey;
  try {
    // Weak RSA is reported as KEY_WEAK above; openpgp.js' own floor would otherwise hide the signing key.
    signingKey = await key.getSigningKey(undefined, at, undefined, { ...openpgp.config, minRSABits: 1024 });
  } catch (error) {
    problems.push(
      createProblem(
        'KEY_INVALID',
        `Key ${id} has no valid signing key (${reasonOf(error)}); terraform cannot verify signatures with it. Make a key with signing capability.`,
      ),
    );
    return problems;
  }
  if (signingKey !== key) problems.push(...checkSigningSubkey(signingKey as Subkey, id));
  return problems;
}

// Signatures are made by the newest signing subkey when there is one, so that subkey must suit terraform too.
function checkSigningSubkey(subkey: Subkey, id: string): Problem[] {
  const subId = formatKeyId(subkey);
  const algorithm = subkey.keyPacket.algorithm;
  if (RFC9580_ALGORITHMS.has(algorithm)) {
    // From reading go-crypto 1.0's packet reader, not from a terraform run: it skips packets of unknown
    // algorithms, so the key still decodes but without this subkey, and its signatures have an unknown issuer.
    return [
      createProblem(
        'KEY_UNSUPPORTED',
        `Key ${id} signs with subkey ${subId}, which uses ${describeAlgorithm(subkey.getAlgorithmInfo())} (RFC 9580 algorithm ${algorithm}); terraform drops that subkey when reading the key and reports "authentication signature from unknown issuer". Use a key whose signing (sub)key is RSA or ed25519 legacy (EdDSA).`,
      ),
    ];
  }
  const weak = weakness(algorithm, subkey.getAlgorithmInfo());
  return weak ? [createProblem('KEY_WEAK', `Signing subkey ${subId} of key ${id} is ${weak}`)] : [];
}

function weakness(algorithm: number, info: AlgorithmInfo): string | undefined {
  const rsa = algorithm >= 1 && algorithm <= 3;
  if (!rsa || (info.bits ?? 0) >= MIN_RSA_BITS) return undefined;
  return `RSA ${info.bits ?? '?'}: RSA keys under ${MIN_RSA_BITS} bits can be factored and openpgp.js refuses them; make an RSA 4096 or ed25519 key.`;
}

/**
 * Unlocks a private key for signing. An unencrypted key is returned as is (the passphrase is then ignored, as
 * gpg does). Throws SignetError('KEY_PASSPHRASE') for a missing or wrong passphrase and 'KEY_INVALID' for a
 * public key or unreadable data. Messages never contain the passphrase.
 */
export async function decryptPrivateKey(data: KeyInput, passphrase: string | undefined): Promise<PrivateKey> {
  const key = await toKey(data);
  const id = formatKeyId(key);
  if (!key.isPrivate()) {
    throw new SignetError(
      'KEY_INVALID',
      `Key ${id} is a public key; signing needs the private key (gpg --export-secret-keys --armor ${id}).`,
    );
  }
  if (key.isDecrypted()) return key;
  if (passphrase === undefined || passphrase === '') {
    throw new SignetError('KEY_PASSPHRASE', `Private key ${id} is protected by a passphrase, and none was given.`);
  }
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase });
  } catch (error) {
    const reason = reasonOf(error).split(passphrase).join('***');
    if (/incorrect key passphrase/i.test(reason)) {
      throw new SignetError('KEY_PASSPHRASE', `The passphrase for private key ${id} is wrong.`);
    }
    throw new SignetError('KEY_INVALID', `Cannot unlock private key ${id}: ${reason}.`);
  }
}

/** The armored public key to publish (a registry's `ascii_armor`); secret material is never included. */
export async function readPublicKeyArmored(key: KeyInput): Promise<string> {
  return (await toKey(key)).toPublic().armor();
}

/** 'RSA 4096', 'EdDSA (ed25519 legacy)', 'ECDSA P-256', 'Ed25519 (RFC 9580)', … */
function describeAlgorithm(info: AlgorithmInfo): string {
  const curve = info.curve === undefined ? '' : (CURVE_LABELS[info.curve] ?? info.curve);
  switch (info.algorithm) {
    case 'rsaEncryptSign':
    case 'rsaSign':
    case 'rsaEncrypt':
      return `RSA ${info.bits ?? '?'}`;
    case 'dsa':
      return `DSA ${info.bits ?? '?'}`;
    case 'elgamal':
      return `ElGamal ${info.bits ?? '?'}`;
    case 'eddsaLegacy':
      return `EdDSA (${curve})`;
    case 'ecdsa':
      return `ECDSA ${curve}`;
    case 'ecdh':
      return `ECDH ${curve}`;
    case 'ed25519':
      return 'Ed25519 (RFC 9580)';
    case 'ed448':
      return 'Ed448 (RFC 9580)';
    case 'x25519':
      return 'X25519 (RFC 9580)';
    case 'x448':
      return 'X448 (RFC 9580)';
    default:
      return info.algorithm;
  }
}

/** The 16-hex upper-case long ID of a key or subkey. */
export function formatKeyId(key: Key | Subkey): string {
  return key.getKeyID().toHex().toUpperCase();
}

async function toKey(input: KeyInput): Promise<Key> {
  return typeof input === 'string' || input instanceof Uint8Array ? readKey(input) : input;
}

function startsWithArmor(bytes: Uint8Array): boolean {
  const head = new TextDecoder()
    .decode(bytes.subarray(0, 64))
    .replace(/^\uFEFF/, '')
    .trimStart();
  return head.startsWith('-----BEGIN ');
}

// openpgp.js error messages are fixed strings about the data, never the data itself; the prefix is noise.
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Error (decrypting private key|reading [a-z ]+): /, '').replace(/\.$/, '');
}
