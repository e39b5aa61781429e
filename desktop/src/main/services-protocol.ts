// The messages between main and the services host (a utilityProcess). Main sends `init` once, then `call`s;
// the host answers each call with a `result`. The host has no safeStorage (it is main-only), so it asks main to
// seal and unseal secrets with `vault` requests, which main answers with `vault-answer`. Bytes cross as base64.
// `stop` asks the host to close the services (folder watchers, the local registry's store) and exit.
import type { ApiErrorCode, Channel, Result } from '../shared/api';

export type VaultOperation = 'status' | 'encrypt' | 'decrypt';

/** Main → host. */
export type ToHostMessage =
  | { kind: 'init'; dataDir: string }
  | { kind: 'stop' }
  | { kind: 'call'; id: number; channel: Channel; input: unknown }
  | { kind: 'vault-answer'; id: number; ok: true; value: unknown }
  | { kind: 'vault-answer'; id: number; ok: false; code: ApiErrorCode; message: string };

/** Host → main. */
export type FromHostMessage =
  | { kind: 'result'; id: number; result: Result<unknown> }
  | { kind: 'vault'; id: number; operation: VaultOperation; argument: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Narrows a message the host received. */
export function isToHostMessage(value: unknown): value is ToHostMessage {
  if (!isRecord(value)) return false;
  if (value.kind === 'init') return typeof value.dataDir === 'string';
  if (value.kind === 'stop') return true;
  if (value.kind === 'call') return typeof value.id === 'number' && typeof value.channel === 'string';
  if (value.kind === 'vault-answer') return typeof value.id === 'number' && typeof value.ok === 'boolean';
  return false;
}

/** Narrows a message main received. */
export function isFromHostMessage(value: unknown): value is FromHostMessage {
  if (!isRecord(value)) return false;
  if (value.kind === 'result') return typeof value.id === 'number' && isRecord(value.result);
  if (value.kind === 'vault') {
    return (
      typeof value.id === 'number' &&
      (value.operation === 'status' || value.operation === 'encrypt' || value.operation === 'decrypt') &&
      typeof value.argument === 'string'
    );
  }
  return false;
}
