// Test connection: says which of the four things is wrong, in this order: the registry cannot be reached (or
// its certificate is not trusted), it is not a Signet registry, or the token lacks rights.
import { RegistryError, type RegistryClient } from '@signet/client';
import { isSignetError } from '@signet/core';
import { z } from 'zod';

import type { ConnectionTest } from '../shared/api';

const Discovery = z.looseObject({ 'providers.v1': z.string() });
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS|SSL|ALTNAME/i;

export async function testConnection(connect: () => Promise<RegistryClient>): Promise<ConnectionTest> {
  let client: RegistryClient;
  try {
    client = await connect();
  } catch (error) {
    return { ok: false, problem: 'unreachable', message: messageOf(error) };
  }
  try {
    try {
      await client.getJson('/.well-known/terraform.json', Discovery);
    } catch (error) {
      return describe(error, 'discovery');
    }
    try {
      const me = await client.whoami();
      const scope = me.role === 'admin' ? 'every namespace' : me.namespaces.join(', ') || 'no namespace';
      return {
        ok: true,
        problem: null,
        message: `Connected to ${client.url} with a token of role ${me.role}${me.token_id ? ` (${me.token_id})` : ''} for ${scope}.`,
      };
    } catch (error) {
      return describe(error, 'whoami');
    }
  } finally {
    await client.close();
  }
}

function describe(error: unknown, step: 'discovery' | 'whoami'): ConnectionTest {
  if (isTlsFailure(error)) {
    return {
      ok: false,
      problem: 'tls',
      message: `The registry's TLS certificate is not trusted: ${messageOf(error)} Give its CA file (for a signet serve registry, DATA/tls/ca.pem).`,
    };
  }
  if (isSignetError(error, 'REGISTRY_UNREACHABLE') || isSignetError(error, 'REGISTRY_TIMEOUT')) {
    return { ok: false, problem: 'unreachable', message: messageOf(error) };
  }
  if (error instanceof RegistryError && (error.status === 401 || error.status === 403) && step === 'whoami') {
    return {
      ok: false,
      problem: 'token',
      message:
        error.status === 401
          ? 'The registry wants a token and none (or a malformed one) was given: add the registry again with a token.'
          : `The registry refused the token: ${error.message} Ask its admin for a token with publish rights.`,
    };
  }
  return {
    ok: false,
    problem: 'not-a-registry',
    message: `The server answers, but not as a Signet registry (${step === 'discovery' ? 'no provider registry discovery document' : 'no management API'}): ${messageOf(error)} Check the URL.`,
  };
}

function isTlsFailure(error: unknown): boolean {
  for (let cause = error as { code?: unknown; cause?: unknown; message?: unknown } | undefined; cause;) {
    if (typeof cause.code === 'string' && TLS_CODE.test(cause.code)) return true;
    if (typeof cause.message === 'string' && /certificate/i.test(cause.message)) return true;
    cause = cause.cause as typeof cause;
  }
  return false;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
