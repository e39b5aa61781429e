/** Bytes in decimal units with one decimal, as the upload progress says them: `12.3 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** An ISO date or timestamp as `2026-12-04`; anything else as it came. */
export function formatDate(value: string | null): string {
  if (value === null) return 'Never';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toISOString().slice(0, 10);
}

/** Whether a key file's bytes are an ASCII-armored block (then it is imported as text). */
export function isArmored(bytes: Uint8Array): boolean {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 200));
  return head.trimStart().startsWith('-----BEGIN PGP');
}

/** Base64 of a binary file, for `keysImport({ binaryBase64 })`. */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let start = 0; start < bytes.length; start += chunk) {
    binary += String.fromCharCode(...bytes.subarray(start, start + chunk));
  }
  return btoa(binary);
}

/** `acme/hello 1.0.0`; an opened folder may not name its namespace (then `hello 1.0.0`). */
export function formatRelease(release: { namespace: string; provider: string; version: string }): string {
  const name = release.namespace === '' ? release.provider : `${release.namespace}/${release.provider}`;
  return `${name} ${release.version}`;
}

/** A fingerprint's groups of 4 in lines of 5 groups (v4: two lines; v6's 64 hex: four). */
export function chunkFingerprint(fingerprint: string): string[] {
  const groups = fingerprint.split(/\s+/).filter((group) => group !== '');
  const lines: string[] = [];
  for (let start = 0; start < groups.length; start += 5) lines.push(groups.slice(start, start + 5).join(' '));
  return lines;
}
