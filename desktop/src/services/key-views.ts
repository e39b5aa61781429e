// How a key shows in the Keys table: its badge and why, from the core's inspectKey (the same judgement the CLI,
// the Action and the registry make), and nothing secret.
import type { KeyInfo } from '@signet/core';

import type { KeyBadge, KeyView } from '../shared/api';

/** A key expiring within this many days gets `Expires soon`. */
export const EXPIRES_SOON_DAYS = 90;
const DAY_MS = 86_400_000;

export interface KeyViewFlags {
  hasPrivateKey: boolean;
  hasRevocationCertificate: boolean;
  passphraseRemembered: boolean;
}

/** The Keys table's row for a key. `now` is a parameter so the badge of a key near its expiry is testable. */
export function formatKeyView(info: KeyInfo, flags: KeyViewFlags, now = new Date()): KeyView {
  const { badge, reason } = judgeKey(info, now);
  const { name, email } = parseUserId(info.userIds[0] ?? '');
  return {
    keyId: info.keyId,
    fingerprint: formatFingerprint(info.fingerprint),
    name,
    email,
    algorithm: info.algorithm,
    created: info.created,
    expires: info.expires,
    badge,
    reason,
    ...flags,
  };
}

function judgeKey(info: KeyInfo, now: Date): { badge: KeyBadge; reason: string | null } {
  const problem = (code: string) => info.problems.find((p) => p.code === code)?.message ?? null;
  if (info.revoked) return { badge: 'Revoked', reason: problem('KEY_REVOKED') ?? `Key ${info.keyId} is revoked.` };
  // KEY_WEAK is not terraform's refusal but Signet's (openpgp.js will not sign with it): the key cannot sign here.
  const blocking = info.problems.find((p) => p.severity === 'error' && p.code !== 'KEY_EXPIRED');
  if (!info.compatible || blocking !== undefined) {
    return { badge: 'Incompatible', reason: blocking?.message ?? info.problems[0]?.message ?? null };
  }
  if (info.expires !== null) {
    const days = (Date.parse(info.expires) - now.getTime()) / DAY_MS;
    if (days <= 0) {
      return {
        badge: 'Expired',
        reason: problem('KEY_EXPIRED') ?? `Key ${info.keyId} expired on ${info.expires.slice(0, 10)}.`,
      };
    }
    if (days < EXPIRES_SOON_DAYS) {
      return {
        badge: 'Expires soon',
        reason: `Key ${info.keyId} expires on ${info.expires.slice(0, 10)}, in ${Math.max(0, Math.floor(days))} day(s); change its expiry and re-add the public key to each registry.`,
      };
    }
  }
  return { badge: 'Compatible', reason: null };
}

/** `ABCD EF01 …`: 40 hex in groups of 4. */
export function formatFingerprint(fingerprint: string): string {
  return (fingerprint.toUpperCase().match(/.{1,4}/g) ?? []).join(' ');
}

/** `Name (comment) <email>` → its name and email; a bare address is an email. */
export function parseUserId(userId: string): { name: string; email: string } {
  const match = /^(.*?)\s*<([^<>]*)>\s*$/.exec(userId);
  if (match) return { name: match[1] ?? '', email: match[2] ?? '' };
  return userId.includes('@') ? { name: '', email: userId.trim() } : { name: userId.trim(), email: '' };
}
