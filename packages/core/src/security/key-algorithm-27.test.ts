// Attack (on availability): openpgp.js `type: 'curve25519'` makes a v4 key with the RFC 9580 Ed25519 algorithm
// (27). It looks like any ed25519 key, but terraform cannot decode it and fails every install.
import * as openpgp from 'openpgp';
import { expect, it } from 'vitest';

import { isSignetError } from '../errors';
import { inspectKey } from '../keys';
import { signShasums } from '../signature';

const userIDs = [{ name: 'Acme', email: 'acme@example.com' }];
const shasums = new TextEncoder().encode(`${'a'.repeat(64)}  terraform-provider-hello_1.0.0_linux_amd64.zip\n`);

it('reports a v4 algorithm-27 primary key as KEY_UNSUPPORTED and refuses to sign with it', async () => {
  const { privateKey } = await openpgp.generateKey({ type: 'curve25519', userIDs, format: 'object' });
  expect(privateKey.keyPacket.version).toBe(4);

  const info = await inspectKey(privateKey.toPublic());
  expect(info).toMatchObject({ version: 4, algorithm: 'Ed25519 (RFC 9580)', compatible: false });
  expect(info.problems.map((p) => p.code)).toEqual(['KEY_UNSUPPORTED']);
  expect(info.problems[0]!.message).toContain('algorithm 27');

  const error: unknown = await signShasums(shasums, privateKey).catch((e: unknown) => e);
  expect(isSignetError(error, 'KEY_UNSUPPORTED')).toBe(true);
});

it('reports a good v4 EdDSA primary whose signing subkey is algorithm 27', async () => {
  // openpgp.js signs with the newest signing subkey; terraform drops that subkey and sees an unknown issuer.
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs,
    subkeys: [{ type: 'curve25519', sign: true }],
    format: 'object',
  });
  const info = await inspectKey(privateKey.toPublic());
  expect(info).toMatchObject({ algorithm: 'EdDSA (ed25519 legacy)', compatible: false });
  expect(info.problems.map((p) => p.code)).toEqual(['KEY_UNSUPPORTED']);
  expect(info.problems[0]!.message).toContain(privateKey.subkeys[0]!.getKeyID().toHex().toUpperCase());

  const error: unknown = await signShasums(shasums, privateKey).catch((e: unknown) => e);
  expect(isSignetError(error, 'KEY_UNSUPPORTED')).toBe(true);
});

it('accepts a v4 EdDSA key whose X25519 (algorithm 25) subkey only encrypts: terraform skips it harmlessly', async () => {
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs,
    subkeys: [{ type: 'curve25519' }],
    format: 'object',
  });
  expect(privateKey.subkeys[0]!.getAlgorithmInfo().algorithm).toBe('x25519');
  expect(await inspectKey(privateKey.toPublic())).toMatchObject({ compatible: true, problems: [] });
});
