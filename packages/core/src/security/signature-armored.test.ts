// Attack (on availability): an ASCII-armored .sig verifies in gpg and openpgp.js, yet terraform rejects it
// ("tag byte does not have MSB set"), so every install of the release would fail. Report it, even when valid.
import * as openpgp from 'openpgp';
import { expect, it } from 'vitest';

import { dearmorSignature, signShasums, verifyShasumsSignature } from '../signature';

it('reports an armored signature as SIGNATURE_ARMORED, says it verifies de-armored, and never calls it valid', async () => {
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: 'Acme', email: 'acme@example.com' }],
    format: 'object',
  });
  const shasums = new TextEncoder().encode(`${'a'.repeat(64)}  terraform-provider-hello_1.0.0_linux_amd64.zip\n`);
  const binary = await signShasums(shasums, privateKey);
  const armored = new TextEncoder().encode((await openpgp.readSignature({ binarySignature: binary })).armor());
  const keys = [privateKey.toPublic().armor()];

  const result = await verifyShasumsSignature({ shasums, signature: armored, keys });
  expect(result.valid).toBe(false);
  expect(result.signerKeyId).toBe(privateKey.getKeyID().toHex().toUpperCase());
  expect(result.problems.map((p) => p.code)).toEqual(['SIGNATURE_ARMORED']);
  expect(result.problems[0]!.message).toContain('tag byte does not have MSB set');
  expect(result.problems[0]!.message).toContain('de-armored, it verifies');

  const fixed = await verifyShasumsSignature({ shasums, signature: await dearmorSignature(armored), keys });
  expect(fixed).toMatchObject({ valid: true, problems: [] });

  const tampered = await verifyShasumsSignature({
    shasums: new Uint8Array([...shasums, 10]),
    signature: armored,
    keys,
  });
  expect(tampered.problems.map((p) => p.code)).toEqual(['SIGNATURE_ARMORED', 'SIGNATURE_INVALID']);
});
