import { describe, expect, it } from 'vitest';
import { chunkFingerprint, encodeBase64, formatBytes, formatRelease, isArmored } from './format';

describe('formatBytes', () => {
  it('says upload progress in decimal units with one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(12_345_678)).toBe('12.3 MB');
    expect(formatBytes(90_100_000)).toBe('90.1 MB');
    expect(formatBytes(1_073_741_824)).toBe('1.1 GB');
  });
});

describe('chunkFingerprint', () => {
  it('puts a v4 fingerprint on two lines of five groups and a v6 one on four', () => {
    const v4 = '53CA 9C7D CEB2 85F8 7F42 B1AD 766D 1851 25FB B02A';
    expect(chunkFingerprint(v4)).toEqual(['53CA 9C7D CEB2 85F8 7F42', 'B1AD 766D 1851 25FB B02A']);
    const v6 = Array.from({ length: 16 }, (_, index) => index.toString(16).toUpperCase().repeat(4)).join(' ');
    expect(chunkFingerprint(v6)).toHaveLength(4);
    expect(chunkFingerprint(v6).join(' ')).toBe(v6);
  });
});

describe('key files', () => {
  it('tells an armored block from binary packets', () => {
    const armored = new TextEncoder().encode('\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxsFN\n');
    expect(isArmored(armored)).toBe(true);
    expect(isArmored(new Uint8Array([0xc6, 0x33, 0x04, 0x00]))).toBe(false);
  });

  it('encodes binary keys as base64 the way Node decodes them, past one chunk', () => {
    const bytes = new Uint8Array(100_000).map((_, index) => (index * 7919) % 256);
    expect(Buffer.from(encodeBase64(bytes), 'base64').equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('formatRelease', () => {
  it('names a release without an empty namespace', () => {
    expect(formatRelease({ namespace: 'acme', provider: 'hello', version: '1.0.0' })).toBe('acme/hello 1.0.0');
    expect(formatRelease({ namespace: '', provider: 'hello', version: '1.0.0' })).toBe('hello 1.0.0');
  });
});
