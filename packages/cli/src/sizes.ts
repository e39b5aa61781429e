import { UsageError } from './context';

// Byte sizes on the command line (`--max-file-size`, `--draft-quota`). No well-kept library takes all three forms
// people type: `bytes` reads `1GB` as 2^30 and refuses `1GiB` and `1g`. So the rule is written down here, once:
//   - plain digits are bytes: 1073741824
//   - IEC units are powers of 1024: KiB, MiB, GiB, TiB (1GiB = 1073741824)
//   - SI units are powers of 1000: kB/KB, MB, GB, TB (1GB = 1000000000), as disks and Kubernetes count
//   - one letter k, m, g, t (any case) is a power of 1024, as docker, nginx and the JVM read `1g`
// A unit may follow a space and a decimal number (`1.5 GiB`); the result is rounded down to whole bytes.

const UNIT_BYTES: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
};

/** The forms a size flag takes, for help texts and errors. */
export const SIZE_FORMS = 'bytes (1073741824), 1GiB or 1g (powers of 1024), or 1GB (powers of 1000)';

/** A size such as `1GiB`, `1GB`, `1g`, `512MiB` or `1048576` in bytes; `undefined` for a text that is none. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = UNIT_BYTES[(match[2] || 'b').toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.floor(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** A `--flag SIZE` value in bytes (above 0), `fallback` when the flag is absent; a usage error otherwise. */
export function parseSizeFlag(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const bytes = parseSize(value);
  if (bytes === undefined || bytes <= 0) {
    throw new UsageError(`${flag} ${JSON.stringify(value)}: expected a size above 0 in ${SIZE_FORMS}.`);
  }
  return bytes;
}
