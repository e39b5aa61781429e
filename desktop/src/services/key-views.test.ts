import { inspectKey, generateKey } from '@signet/core';
import { describe, expect, it } from 'vitest';

import { formatFingerprint, formatKeyView, parseUserId } from './key-views';

const flags = { hasPrivateKey: true, hasRevocationCertificate: true, passphraseRemembered: false };

describe('formatKeyView', () => {
  it('badges a key by its expiry: Compatible, Expires soon under 90 days, Expired after', async () => {
    const created = new Date('2026-01-01T00:00:00Z');
    const expires = new Date('2026-07-01T00:00:00Z');
    const { info } = await generateKey({ name: 'A', email: 'a@example.com', algorithm: 'ed25519', created, expires });
    expect(formatKeyView(info, flags, new Date('2026-03-01T00:00:00Z')).badge).toBe('Compatible');
    const soon = formatKeyView(info, flags, new Date('2026-04-15T00:00:00Z'));
    expect(soon).toMatchObject({ badge: 'Expires soon' });
    expect(soon.reason).toMatch(/expires on 2026-07-01, in 77 day/);
    const expired = await generateKey({
      name: 'B',
      email: 'b@example.com',
      algorithm: 'ed25519',
      created: new Date(Date.now() - 20 * 86_400_000),
      expires: new Date(Date.now() - 86_400_000),
    });
    const view = formatKeyView(await inspectKey(expired.privateKeyArmored), flags);
    expect(view.badge).toBe('Expired');
    expect(view.reason).toMatch(/expired on/);
  });

  it('groups the fingerprint by 4 and splits the user ID', () => {
    expect(formatFingerprint('0123456789abcdef0123456789ABCDEF01234567')).toBe(
      '0123 4567 89AB CDEF 0123 4567 89AB CDEF 0123 4567',
    );
    expect(parseUserId('Jane Doe (work) <jane@example.com>')).toEqual({
      name: 'Jane Doe (work)',
      email: 'jane@example.com',
    });
    expect(parseUserId('jane@example.com')).toEqual({ name: '', email: 'jane@example.com' });
  });
});
