import type { Problem } from '@signet/core';

import { NO_COLORS, type Colors } from './colors';

/** Human rendering of problems: one line each, errors first, with the file they are about; coloured when asked. */
export function formatProblems(problems: readonly Problem[], colors: Colors = NO_COLORS): string {
  const sorted = [...problems].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  return sorted
    .map((p) => {
      const severity = p.severity === 'error' ? colors.error('error') : colors.warning('warning');
      return `${severity} ${p.code}${p.file ? ` [${p.file}]` : ''}: ${p.message}\n`;
    })
    .join('');
}

/** Bytes as a short human size. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
