// The SecretVault across the process boundary. The services host holds a proxy whose calls become `vault`
// messages to main; main answers them from the real (safeStorage) vault. Bytes cross as base64, and an error
// crosses as its code and message only (never a secret: the vault's messages carry none).
import { API_ERROR_CODES, type ApiErrorCode, type SecretStorageStatus } from '../shared/api';
import { DesktopError, isDesktopError } from '../shared/errors';
import type { SecretVault } from '../services/secret-vault';
import type { FromHostMessage, ToHostMessage, VaultOperation } from './services-protocol';

type VaultRequest = Extract<FromHostMessage, { kind: 'vault' }>;
type VaultAnswer = Extract<ToHostMessage, { kind: 'vault-answer' }>;

/** Main's side: performs a host's vault request and builds the answer. */
export async function answerVaultRequest(vault: SecretVault, request: VaultRequest): Promise<VaultAnswer> {
  try {
    const value = await performVaultOperation(vault, request.operation, request.argument);
    return { kind: 'vault-answer', id: request.id, ok: true, value };
  } catch (error) {
    const code: ApiErrorCode = isDesktopError(error) ? error.code : 'SECRET_STORAGE_UNAVAILABLE';
    const message = error instanceof Error ? error.message : 'Secret storage failed';
    return { kind: 'vault-answer', id: request.id, ok: false, code, message };
  }
}

async function performVaultOperation(
  vault: SecretVault,
  operation: VaultOperation,
  argument: string,
): Promise<unknown> {
  switch (operation) {
    case 'status':
      return vault.status();
    case 'encrypt':
      return Buffer.from(await vault.encrypt(argument)).toString('base64');
    case 'decrypt':
      return vault.decrypt(new Uint8Array(Buffer.from(argument, 'base64')));
  }
}

/** The host's side: a SecretVault whose operations are requests to main. */
export interface VaultProxy {
  vault: SecretVault;
  /** Feed main's `vault-answer` messages here. */
  receive(answer: VaultAnswer): void;
}

/** Creates the host's proxy; `send` posts a `vault` request to main. */
export function createVaultProxy(send: (request: VaultRequest) => void): VaultProxy {
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const request = (operation: VaultOperation, argument: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      send({ kind: 'vault', id, operation, argument });
    });
  return {
    vault: {
      status: async () => (await request('status', '')) as SecretStorageStatus,
      encrypt: async (text) => new Uint8Array(Buffer.from((await request('encrypt', text)) as string, 'base64')),
      decrypt: async (bytes) => (await request('decrypt', Buffer.from(bytes).toString('base64'))) as string,
    },
    receive(answer) {
      const waiter = pending.get(answer.id);
      if (waiter === undefined) return;
      pending.delete(answer.id);
      if (answer.ok) waiter.resolve(answer.value);
      else {
        const code = (API_ERROR_CODES as readonly string[]).includes(answer.code) ? answer.code : 'INTERNAL';
        waiter.reject(new DesktopError(code, answer.message));
      }
    },
  };
}
