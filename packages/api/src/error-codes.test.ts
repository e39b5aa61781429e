// The one list of the registry's error codes: a code the registry answers with must be in it, or a client cannot
// tell it from a newer registry's code it does not know (the CLI's exit code, the server's status map and the
// desktop all key on this list).
import { describe, expect, it } from 'vitest';

import { API_ERROR_CODES, isApiErrorCode } from './error-codes';

describe('API_ERROR_CODES', () => {
  it('lists STORAGE_FULL, the 507 of a registry whose disk is full', () => {
    expect(API_ERROR_CODES).toContain('STORAGE_FULL');
    expect(isApiErrorCode('STORAGE_FULL')).toBe(true);
  });

  it('knows no validator problem code and nothing made up', () => {
    expect(isApiErrorCode('FILE_MISSING')).toBe(false);
    expect(isApiErrorCode('STORAGE_FULLY')).toBe(false);
  });

  it('lists each code once', () => {
    expect(new Set(API_ERROR_CODES).size).toBe(API_ERROR_CODES.length);
  });
});
