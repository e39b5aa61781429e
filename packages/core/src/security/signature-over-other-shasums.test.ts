// Attack: reuse a genuine signature of one release's SHA256SUMS for another file (another version, or the
// same file with a swapped hash), so a tampered zip looks signed. The signature must bind the exact bytes.
import * as openpgp from 'openpgp';
import { expect, it } from 'vitest';

import { signShasums, verifyShasumsSignature } from '../signature';

it('refuses a genuine signature over another SHA256SUMS with SIGNATURE_INVALID', async () => {
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: 'Acme', email: 'acme@example.com' }],
    format: 'object',
  });
  const line = (hex: string, version: string) =>
    `${hex.repeat(64)}  terraform-provider-hello_${version}_linux_amd64.zip\n`;
  const signed = new TextEncoder().encode(line('a', '1.0.0'));
  const signature = await signShasums(signed, privateKey);

  for (const other of [line('a', '1.0.1'), line('b', '1.0.0'), `${line('a', '1.0.0')}\n`]) {
    const result = await verifyShasumsSignature({
      shasums: new TextEncoder().encode(other),
      signature,
      keys: [privateKey.toPublic().armor()],
    });
    expect(result.valid).toBe(false);
    expect(result.problems.map((p) => p.code)).toEqual(['SIGNATURE_INVALID']);
    expect(result.problems[0]!.message).toContain('openpgp: invalid signature: EdDSA verification failure');
  }
});
