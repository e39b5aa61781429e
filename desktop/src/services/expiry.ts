// `2y`, `18m`, `90d` or `never`, as the Generate key and Change expiry dialogs take it (the contract's pattern).
import { DesktopError } from '../shared/errors';

/** The expiry date `value` names from `now`, or undefined for `never`. */
export function parseExpires(value: string, now = new Date()): Date | undefined {
  if (value === 'never') return undefined;
  const match = /^([1-9][0-9]{0,3})([dmy])$/.exec(value);
  if (!match) {
    throw new DesktopError('INPUT_INVALID', `Expires ${JSON.stringify(value)}: expected 2y, 18m, 90d or never.`);
  }
  const amount = Number(match[1]);
  const date = new Date(now);
  if (match[2] === 'd') date.setUTCDate(date.getUTCDate() + amount);
  if (match[2] === 'm') date.setUTCMonth(date.getUTCMonth() + amount);
  if (match[2] === 'y') date.setUTCFullYear(date.getUTCFullYear() + amount);
  return date;
}
