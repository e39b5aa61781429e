import { resolve } from 'node:path';

import {
  createRegistryClient,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  type RegistryClient,
} from '@signet/client';

import { optionalString, type OptionSpec, type ParsedArgs } from './command';
import { UsageError, type CliContext } from './context';

// How every registry command connects: --registry (or SIGNET_REGISTRY), the token from SIGNET_TOKEN (never a
// flag), --ca-file (or SSL_CERT_FILE), and the two timeouts.

/** The options every registry command takes. */
export const REGISTRY_OPTIONS = {
  registry: { type: 'string' },
  'ca-file': { type: 'string' },
  'connect-timeout': { type: 'string' },
  timeout: { type: 'string' },
} as const satisfies OptionSpec;

export const REGISTRY_USAGE = `--registry URL (or SIGNET_REGISTRY), token from SIGNET_TOKEN, --ca-file (or SSL_CERT_FILE) for a private CA,
--connect-timeout SECONDS (default ${DEFAULT_CONNECT_TIMEOUT_MS / 1000}) and --timeout SECONDS the registry may stay silent (default ${DEFAULT_TIMEOUT_MS / 1000}).`;

/** A registry client from the command's flags and the environment. */
export async function connectRegistry(args: ParsedArgs, context: CliContext): Promise<RegistryClient> {
  const url = optionalString(args, 'registry') ?? context.env.SIGNET_REGISTRY;
  if (url === undefined)
    throw new UsageError('Missing --registry URL (or SIGNET_REGISTRY), e.g. https://localhost:8443.');
  const token = context.env.SIGNET_TOKEN || undefined;
  if (token === undefined) {
    throw new UsageError(
      'Set SIGNET_TOKEN to a registry token (the admin token `signet serve` printed, or one from `signet tokens create`).',
    );
  }
  const caFile = optionalString(args, 'ca-file') ?? (context.env.SSL_CERT_FILE || undefined);
  return createRegistryClient({
    url,
    token,
    caFile: caFile === undefined ? undefined : resolve(context.cwd, caFile),
    connectTimeoutMs: parseSeconds(args, 'connect-timeout'),
    timeoutMs: parseSeconds(args, 'timeout'),
  });
}

/** A `--flag SECONDS` value in milliseconds; `undefined` when absent (the client's default). */
function parseSeconds(args: ParsedArgs, flag: string): number | undefined {
  const value = optionalString(args, flag);
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--${flag} ${JSON.stringify(value)}: expected a number of seconds above 0, e.g. 30.`);
  }
  return Math.round(seconds * 1000);
}
