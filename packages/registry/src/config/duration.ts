import { ServerConfigError } from './config-error';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** `500ms`, `30s`, `5m`, `1h`, `7d` in milliseconds; throws `ServerConfigError` naming `setting` otherwise. */
export function parseDuration(value: string, setting: string, bounds: { minMs: number; maxMs: number }): number {
  const match = DURATION.exec(value.trim());
  if (!match) {
    throw new ServerConfigError(
      setting,
      `Expected ${setting} to be a duration such as 30s, 5m or 1h, found ${JSON.stringify(value)}.`,
    );
  }
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
  if (ms < bounds.minMs || ms > bounds.maxMs) {
    throw new ServerConfigError(
      setting,
      `Expected ${setting} between ${formatMs(bounds.minMs)} and ${formatMs(bounds.maxMs)}, found ${JSON.stringify(value)}.`,
    );
  }
  return ms;
}

function formatMs(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
