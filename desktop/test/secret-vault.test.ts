// The safeStorage vault (safeStorage is Electron's, so it is the one part mocked) and the bridge that carries
// it to the services host over a real MessagePort.
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSafeStorageVault, readSecretStorageStatus } from '../src/main/safe-storage-vault';
import { answerVaultRequest, createVaultProxy } from '../src/main/secret-vault-bridge';
import { BASIC_TEXT_REASON } from '../src/services/secret-vault';
import { isDesktopError } from '../src/shared/errors';

function fakeSafeStorage(backend: string, available = true) {
  return {
    getSelectedStorageBackend: vi.fn(() => backend as any),
    isAsyncEncryptionAvailable: vi.fn(() => Promise.resolve(available)),
    // A reversible stand-in for the OS keychain's cipher: what is tested is the vault around it.
    encryptStringAsync: vi.fn((text: string) => Promise.resolve(Buffer.from(`sealed:${text}`))),
    decryptStringAsync: vi.fn((bytes: Buffer) =>
      Promise.resolve({ result: bytes.toString().replace(/^sealed:/, ''), shouldReEncrypt: false }),
    ),
  };
}

describe('the safeStorage vault', () => {
  it('is unavailable on the basic_text backend, says why, and never calls safeStorage to seal', async () => {
    const safeStorage = fakeSafeStorage('basic_text');
    const vault = createSafeStorageVault(safeStorage, 'linux');
    expect(await vault.status()).toEqual({ backend: 'basic_text', available: false, reason: BASIC_TEXT_REASON });
    await expect(vault.encrypt('passphrase')).rejects.toSatisfy((error) =>
      isDesktopError(error, 'SECRET_STORAGE_UNAVAILABLE'),
    );
    await expect(vault.decrypt(new Uint8Array([1]))).rejects.toSatisfy((error) =>
      isDesktopError(error, 'SECRET_STORAGE_UNAVAILABLE'),
    );
    expect(safeStorage.encryptStringAsync).not.toHaveBeenCalled();
    expect(safeStorage.decryptStringAsync).not.toHaveBeenCalled();
  });

  it('uses the async API on a keyring backend', async () => {
    const safeStorage = fakeSafeStorage('gnome_libsecret');
    const vault = createSafeStorageVault(safeStorage, 'linux');
    expect(await vault.status()).toEqual({ backend: 'gnome_libsecret', available: true, reason: null });
    const sealed = await vault.encrypt('token-123');
    expect(sealed).toBeInstanceOf(Uint8Array);
    expect(await vault.decrypt(sealed)).toBe('token-123');
    expect(safeStorage.encryptStringAsync).toHaveBeenCalledWith('token-123');
  });

  it('names the platform keychain elsewhere and reports it unavailable when safeStorage says so', async () => {
    expect(await readSecretStorageStatus(fakeSafeStorage('unused'), 'darwin')).toMatchObject({
      backend: 'keychain',
      available: true,
    });
    const locked = await readSecretStorageStatus(fakeSafeStorage('unused', false), 'win32');
    expect(locked).toMatchObject({ backend: 'dpapi', available: false });
    expect(locked.reason).toMatch(/keychain/);
  });
});

describe('the vault bridge', () => {
  const channels: MessageChannel[] = [];
  afterEach(() => {
    for (const channel of channels.splice(0)) channel.port1.close();
  });

  function bridge(backend: string) {
    const channel = new MessageChannel();
    channels.push(channel);
    const mainVault = createSafeStorageVault(fakeSafeStorage(backend), 'linux');
    // Main's end answers requests; the host's end holds the proxy.
    channel.port1.on('message', (request) => {
      void answerVaultRequest(mainVault, request).then((answer) => channel.port1.postMessage(answer));
    });
    const proxy = createVaultProxy((request) => channel.port2.postMessage(request));
    channel.port2.on('message', (answer) => proxy.receive(answer));
    return proxy.vault;
  }

  it('carries status, sealed bytes and unsealed text across a real port', async () => {
    const vault = bridge('kwallet6');
    expect(await vault.status()).toEqual({ backend: 'kwallet6', available: true, reason: null });
    const sealed = await vault.encrypt('pass phrase ✓');
    expect(Buffer.from(sealed).toString()).toBe('sealed:pass phrase ✓');
    expect(await vault.decrypt(sealed)).toBe('pass phrase ✓');
  });

  it('carries a refusal as the same DesktopError code and message', async () => {
    const vault = bridge('basic_text');
    const error: unknown = await vault.encrypt('hunter2-passphrase').catch((caught: unknown) => caught);
    expect(isDesktopError(error, 'SECRET_STORAGE_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('basic_text');
    expect((error as Error).message).not.toContain('hunter2');
  });
});
