// Attack: a release signed by an attacker's key, published next to the registry's real public key. The
// signature is cryptographically fine, but by a key nobody trusts: terraform says "unknown issuer".
import * as openpgp from 'openpgp';
import { expect, it } from 'vitest';

import { signShasums, verifyShasumsSignature } from '../signature';

it('refuses a signature by a key that is not among the given ones, naming both key IDs', async () => {
  const userIDs = [{ name: 'Acme', email: 'acme@example.com' }];
  const options = { type: 'ecc', curve: 'curve25519Legacy', userIDs, format: 'object' } as const;
  const { privateKey: trusted } = await openpgp.generateKey(options);
  const { privateKey: attacker } = await openpgp.generateKey(options);
  const shasums = new TextEncoder().encode(`${'a'.repeat(64)}  terraform-provider-hello_1.0.0_linux_amd64.zip\n`);
  const signature = await signShasums(shasums, attacker);

  const result = await verifyShasumsSignature({ shasums, signature, keys: [trusted.toPublic().armor()] });

  const attackerId = attacker.getKeyID().toHex().toUpperCase();
  expect(result).toMatchObject({ valid: false, issuerKeyId: attackerId });
  expect(result.signerKeyId).toBeUndefined();
  expect(result.problems.map((p) => p.code)).toEqual(['SIGNATURE_WRONG_KEY']);
  expect(result.problems[0]!.message).toContain(attackerId);
  expect(result.problems[0]!.message).toContain(trusted.getKeyID().toHex().toUpperCase());
  expect(result.problems[0]!.message).toContain('authentication signature from unknown issuer');
});
