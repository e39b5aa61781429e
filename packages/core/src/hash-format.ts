// The pure side of terraform's hashes: formats and constants, no hashing (that is hashes.ts, with node:crypto).

/** `zh:` + the lower-case hex SHA-256 of a zip, as in SHA256SUMS and lock files. */
export function formatZh(sha256Hex: string): string {
  return `zh:${sha256Hex.toLowerCase()}`;
}

/** The SHA-256 of empty content: what a zip directory entry contributes to HashZip. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
