import * as openpgp from 'openpgp';
import type { Key, PrivateKey, SignaturePacket, Subkey } from 'openpgp';

import { SignetError } from './errors';
import { formatKeyId, inspectKey, readKey, type KeyInput } from './keys';
import { createProblem, type Problem } from './problem';

export interface VerifyShasumsSignatureOptions {
  /** The exact SHA256SUMS bytes that were published. */
  shasums: Uint8Array;
  /** The .sig file's bytes, binary (what terraform reads) or armored (reported, and checked once de-armored). */
  signature: Uint8Array;
  /** The public keys a registry would list in `gpg_public_keys`, in order. */
  keys: readonly KeyInput[];
}

export interface SignatureVerification {
  /**
   * True when the signature verifies these SHA256SUMS with one of the keys, in a form terraform accepts: binary,
   * and made by a key terraform can read that is not revoked. Unreadable *other* keys do not change it, but
   * they are reported, since terraform fails on any key it cannot read.
   */
  valid: boolean;
  /** Primary long ID of the key that verified: the "key ID" terraform prints, even for a subkey signature. */
  signerKeyId?: string;
  /** The issuer key ID in the signature packet (a subkey's ID when a subkey signed). */
  issuerKeyId?: string;
  problems: Problem[];
}

const TERRAFORM_ARMORED_ERROR = '"error checking signature: openpgp: invalid data: tag byte does not have MSB set"';
const REVOCATIONS = new Set<number>([
  openpgp.enums.signature.keyRevocation,
  openpgp.enums.signature.subkeyRevocation,
  openpgp.enums.signature.certRevocation,
]);
type AnyKeyPacket = ReturnType<Key['toPacketList']>[number];
const ARMOR_PREFIX = '-----BEGIN PGP ';
// terraform (go-crypto) reports a bad signature by the failing primitive (terraform-protocol.md §2.1).
const FAILURE_NAMES: Record<string, string> = {
  rsaEncryptSign: 'RSA',
  rsaSign: 'RSA',
  eddsaLegacy: 'EdDSA',
  ecdsa: 'ECDSA',
  dsa: 'DSA',
};

/**
 * Makes the binary detached signature of a SHA256SUMS file (the `.sig` terraform downloads; it cannot read
 * an armored one). Refuses keys terraform cannot verify, and weak, expired or revoked keys, with
 * SignetError(KEY_*), so a release is never signed with a key its users would reject.
 */
export async function signShasums(shasumsBytes: Uint8Array, privateKey: PrivateKey): Promise<Uint8Array> {
  const info = await inspectKey(privateKey);
  const refusal = info.problems.find((p) => p.severity === 'error' || p.code === 'KEY_EXPIRED');
  if (refusal) throw new SignetError(refusal.code, refusal.message);
  if (!info.isPrivate) {
    throw new SignetError('KEY_INVALID', `Key ${info.keyId} is a public key; signing needs the private key.`);
  }
  if (info.encrypted) {
    throw new SignetError('KEY_PASSPHRASE', `Private key ${info.keyId} is still encrypted; unlock it first.`);
  }
  try {
    const message = await openpgp.createMessage({ binary: shasumsBytes });
    // openpgp's declared return type names @openpgp/web-stream-tools, which is not installed; for a
    // Uint8Array message the result is a Uint8Array.
    const signature = (await openpgp.sign({
      message,
      signingKeys: privateKey,
      detached: true,
      format: 'binary',
    })) as Uint8Array;
    return signature;
  } catch (error) {
    throw new SignetError('KEY_INVALID', `Cannot sign with key ${info.keyId}: ${reasonOf(error)}.`, { cause: error });
  }
}

/** True when the bytes look like an ASCII-armored OpenPGP block rather than binary packets. */
export function isArmoredSignature(bytes: Uint8Array): boolean {
  // A binary packet starts with a byte whose high bit is set; armor starts with text, maybe after a BOM.
  const head = new TextDecoder()
    .decode(bytes.subarray(0, 64))
    .replace(/^\uFEFF/, '')
    .trimStart();
  return head.startsWith(ARMOR_PREFIX);
}

/** Turns an armored signature into the binary .sig terraform accepts (verified with terraform, §2.3). */
export async function dearmorSignature(bytes: Uint8Array): Promise<Uint8Array> {
  try {
    const signature = await openpgp.readSignature({ armoredSignature: new TextDecoder().decode(bytes) });
    return signature.write() as Uint8Array;
  } catch (error) {
    throw new SignetError('SIGNATURE_INVALID', `Cannot read the armored signature: ${reasonOf(error)}.`, {
      cause: error,
    });
  }
}

/**
 * Verifies a SHA256SUMS signature the way terraform does: binary only, first signature packet whose issuer is
 * among the keys, expired keys accepted, revoked keys refused. Every key is also inspected, since one key
 * terraform cannot parse fails the install even when another key verifies.
 */
export async function verifyShasumsSignature(options: VerifyShasumsSignatureOptions): Promise<SignatureVerification> {
  const problems: Problem[] = [];
  const keys: Key[] = [];
  for (const input of options.keys) {
    try {
      const key = typeof input === 'string' || input instanceof Uint8Array ? await readKey(input) : input;
      keys.push(key);
      problems.push(...(await inspectKey(key)).problems);
    } catch (error) {
      problems.push(
        createProblem(
          'KEY_INVALID',
          `${reasonOf(error)}. terraform fails the install when any key in gpg_public_keys cannot be read.`,
        ),
      );
    }
  }
  if (!isArmoredSignature(options.signature)) {
    const result = await verifyBinary(options.shasums, options.signature, keys);
    return { ...result, problems: [...problems, ...result.problems] };
  }
  let binary: Uint8Array;
  try {
    binary = await dearmorSignature(options.signature);
  } catch (error) {
    problems.push(armoredProblem(`it is not a readable signature either (${reasonOf(error)})`));
    return { valid: false, problems };
  }
  const inner = await verifyBinary(options.shasums, binary, keys);
  const outcome = inner.valid
    ? `de-armored, it verifies with key ${inner.signerKeyId ?? '?'}: publish the binary form (signet sign writes it)`
    : 'and it does not verify even once de-armored (see the other problems)';
  return { ...inner, valid: false, problems: [...problems, armoredProblem(outcome), ...inner.problems] };
}

function armoredProblem(outcome: string): Problem {
  return createProblem(
    'SIGNATURE_ARMORED',
    `The signature is ASCII-armored; terraform reads only binary signatures and fails with ${TERRAFORM_ARMORED_ERROR}; ${outcome}.`,
  );
}

async function verifyBinary(shasums: Uint8Array, bytes: Uint8Array, keys: Key[]): Promise<SignatureVerification> {
  let signature: openpgp.Signature;
  try {
    signature = await openpgp.readSignature({ binarySignature: bytes });
  } catch (error) {
    const problem = createProblem('SIGNATURE_INVALID', `Not an OpenPGP signature (${reasonOf(error)}).`);
    return { valid: false, problems: [problem] };
  }
  const packets = [...signature.packets];
  const first = packets[0];
  if (!first) {
    return { valid: false, problems: [createProblem('SIGNATURE_INVALID', 'The signature file holds no signature.')] };
  }
  if (keys.length === 0) {
    const problem = createProblem(
      'SIGNATURE_UNVERIFIED',
      'No readable public key was given, so the signature was not verified.',
      {
        severity: 'warning',
      },
    );
    return { valid: false, issuerKeyId: issuerOf(first), problems: [problem] };
  }
  // Like go-crypto's CheckDetachedSignature: the first packet whose issuer is one of the keys decides.
  for (const packet of packets) {
    const match = findIssuer(packet, keys);
    if (match) return checkPacket(shasums, packet, match.key, match.signingKey);
  }
  const given = keys.map((key) => describeKeyIds(key)).join(', ');
  const problem = createProblem(
    'SIGNATURE_WRONG_KEY',
    `The signature was made by key ${issuerOf(first) ?? '(no issuer)'}, which is none of the given keys (${given}); terraform fails with "authentication signature from unknown issuer". Publish the public key that signed, or sign again with the published key.`,
  );
  return { valid: false, ...withIssuer(first), problems: [problem] };
}

async function checkPacket(
  shasums: Uint8Array,
  packet: SignaturePacket,
  key: Key,
  signingKey: Key | Subkey,
): Promise<SignatureVerification> {
  const result: SignatureVerification = {
    valid: false,
    signerKeyId: formatKeyId(key),
    ...withIssuer(packet),
    problems: [],
  };
  // Verify as of the signature's own time: terraform accepts signatures of keys that expired since (§0.11).
  const date = packet.created ?? new Date();
  try {
    const single = new openpgp.Signature(new openpgp.PacketList<SignaturePacket>());
    single.packets.push(packet);
    const message = await openpgp.createMessage({ binary: shasums });
    // terraform takes RSA keys under 2048 bits; KEY_WEAK reports them, verification should not hide the answer.
    const verification = await openpgp.verify({
      message,
      signature: single,
      // Revocation is judged separately, below, so a revoked key's signature still says whether it matches.
      verificationKeys: [(await key.isRevoked()) ? withoutRevocations(key) : key],
      date,
      format: 'binary',
      config: { minRSABits: 1024 },
    });
    await verification.signatures[0]?.verified;
    if (!verification.signatures[0]) throw new Error('no signature was checked');
  } catch (error) {
    const primitive = FAILURE_NAMES[signingKey.getAlgorithmInfo().algorithm] ?? 'signature';
    result.problems.push(
      createProblem(
        'SIGNATURE_INVALID',
        `The signature by key ${result.signerKeyId ?? '?'} does not match these SHA256SUMS (${reasonOf(error)}); terraform fails with "error checking signature: openpgp: invalid signature: ${primitive} verification failure". The file changed after signing or the signature belongs to another release: sign it again.`,
      ),
    );
    return result;
  }
  // A signature that verifies is still refused by terraform when its key is revoked or unreadable to it.
  // Revocation is judged now, as terraform does.
  result.valid = (await inspectKey(key)).compatible;
  return result;
}

function withoutRevocations(key: Key): Key {
  const packets = new openpgp.PacketList<AnyKeyPacket>();
  for (const packet of key.toPublic().toPacketList()) {
    const revocation = packet instanceof openpgp.SignaturePacket && REVOCATIONS.has(packet.signatureType ?? -1);
    if (!revocation) packets.push(packet);
  }
  return new openpgp.PublicKey(packets);
}

function findIssuer(packet: SignaturePacket, keys: Key[]): { key: Key; signingKey: Key | Subkey } | undefined {
  const issuer = packet.issuerKeyID;
  // openpgp.js matches a wildcard (all-zero) issuer against every key; go-crypto matches none.
  if (isWildcard(issuer)) return undefined;
  for (const key of keys) {
    const [signingKey] = key.getKeys(issuer);
    if (signingKey) return { key, signingKey };
  }
  return undefined;
}

function issuerOf(packet: SignaturePacket): string | undefined {
  const issuer = packet.issuerKeyID;
  return isWildcard(issuer) ? undefined : issuer.toHex().toUpperCase();
}

// The type declarations omit KeyID#isWildcard; an all-zero (or absent) ID names no key.
function isWildcard(keyId: openpgp.KeyID): boolean {
  return /^0*$/.test(keyId.toHex());
}

function withIssuer(packet: SignaturePacket): { issuerKeyId?: string } {
  const issuerKeyId = issuerOf(packet);
  return issuerKeyId === undefined ? {} : { issuerKeyId };
}

function describeKeyIds(key: Key): string {
  const subkeys = key.subkeys.map((subkey) => formatKeyId(subkey));
  return subkeys.length === 0 ? formatKeyId(key) : `${formatKeyId(key)} with subkeys ${subkeys.join(', ')}`;
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Error [a-z ]+: /, '').replace(/\.$/, '');
}
