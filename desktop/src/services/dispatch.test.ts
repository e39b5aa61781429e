import { describe, expect, it } from 'vitest';

import type { ServiceHandlers } from '../shared/api';
import { DesktopError } from '../shared/errors';
import { dispatch, isChannel } from './dispatch';

/** Handlers where only the channels under test exist; the rest are never reached. */
function handlers(overrides: Partial<ServiceHandlers>): ServiceHandlers {
  return new Proxy(overrides as ServiceHandlers, {
    get: (target, key: string) =>
      target[key as keyof ServiceHandlers] ?? (() => Promise.reject(new Error(`no ${key}`))),
  });
}

describe('dispatch', () => {
  it('answers INPUT_INVALID for input the schema refuses, without calling the handler', async () => {
    let called = false;
    const h = handlers({
      keysDelete: () => {
        called = true;
        return Promise.resolve({ deleted: true });
      },
    });
    const result = await dispatch(h, 'keysDelete', { keyId: 'not hex', confirmKeyId: 'x' });
    expect(result).toEqual({
      ok: false,
      error: { code: 'INPUT_INVALID', message: 'keysDelete: keyId: a 16-hex upper-case key ID' },
    });
    expect(await dispatch(h, 'keysDelete', { keyId: '0123456789ABCDEF', confirmKeyId: 'x', extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'INPUT_INVALID' },
    });
    expect(await dispatch(h, 'keysDelete', 'a string')).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
    expect(called).toBe(false);
  });

  it('passes the parsed input (with defaults) and wraps the value', async () => {
    const h = handlers({
      registriesAdd: (input) =>
        Promise.resolve({
          id: 'r-1',
          name: input.allowPlainToken ? 'plain' : 'sealed',
          url: input.url,
          builtIn: false,
          hasToken: false,
          tokenStorage: null,
          caFile: null,
        }),
    });
    expect(await dispatch(h, 'registriesAdd', { url: 'https://r.example.com' })).toMatchObject({
      ok: true,
      value: { name: 'sealed' },
    });
  });

  it('turns a DesktopError into its envelope, and anything unexpected into INTERNAL with a generic message', async () => {
    const lines: string[] = [];
    const log = (_level: string, message: string) => lines.push(message);
    const h = handlers({
      keysForgetPassphrase: () => Promise.reject(new DesktopError('NOT_FOUND', 'No key 0123456789ABCDEF.')),
      keysRememberPassphrase: ({ passphrase }) => Promise.reject(new TypeError(`cannot read ${passphrase.length}`)),
    });
    expect(await dispatch(h, 'keysForgetPassphrase', { keyId: '0123456789ABCDEF' }, log)).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'No key 0123456789ABCDEF.' },
    });
    const secret = 'my very secret passphrase';
    const internal = await dispatch(
      h,
      'keysRememberPassphrase',
      { keyId: '0123456789ABCDEF', passphrase: secret },
      log,
    );
    expect(internal).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(internal)).not.toContain('cannot read');
    expect(lines.join('\n')).toContain('keysRememberPassphrase failed unexpectedly: TypeError: cannot read 25');
    expect(lines.join('\n')).not.toContain(secret);
  });

  it('knows the contract’s channels only', () => {
    expect(isChannel('keysList')).toBe(true);
    expect(isChannel('constructor')).toBe(false);
    expect(isChannel('__proto__')).toBe(false);
  });
});
