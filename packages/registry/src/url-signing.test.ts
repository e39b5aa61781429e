import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { createUrlSigner } from './url-signing';

describe('createUrlSigner', () => {
  const signer = createUrlSigner(randomBytes(32), 60);
  const path = '/v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_linux_amd64.zip';
  const query = (url: string) => Object.fromEntries(new URL(url, 'https://x').searchParams);

  it('accepts its own URL until it expires', () => {
    const now = Date.now();
    const url = signer.sign(path, now);
    expect(signer.verify(path, query(url), now + 59_000)).toBe(true);
    expect(signer.verify(path, query(url), now + 61_000)).toBe(false);
  });

  it('refuses another path, a changed expiry, a forged or missing signature, and another secret', () => {
    const url = signer.sign(path);
    const q = query(url);
    expect(signer.verify(`${path}x`, q)).toBe(false);
    expect(signer.verify(path, { ...q, expires: String(Number(q.expires) + 1) })).toBe(false);
    expect(signer.verify(path, { ...q, signature: 'AAAA' })).toBe(false);
    expect(signer.verify(path, { expires: q.expires })).toBe(false);
    expect(createUrlSigner(randomBytes(32)).verify(path, q)).toBe(false);
  });

  it('accepts exactly one spelling of a signature: base64url, unpadded, 43 characters', () => {
    const q = query(signer.sign(path));
    const signature = q.signature!;
    const bytes = Buffer.from(signature, 'base64url');
    // The last character carries two unused bits: another character there decodes to the same 32 bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sameBytes = `${signature.slice(0, -1)}${alphabet[alphabet.indexOf(signature.at(-1)!) ^ 1]}`;
    expect(Buffer.from(sameBytes, 'base64url')).toEqual(bytes);
    for (const variant of [
      `${signature}=`,
      `${signature}!`,
      `${signature}==`,
      ` ${signature}`,
      bytes.toString('base64'),
      bytes.toString('hex'),
      sameBytes,
    ]) {
      expect(signer.verify(path, { ...q, signature: variant }), variant).toBe(false);
    }
    expect(signer.verify(path, q)).toBe(true);
  });

  it('refuses a short secret', () => {
    expect(() => createUrlSigner(randomBytes(8))).toThrow(/32 bytes/);
  });
});
