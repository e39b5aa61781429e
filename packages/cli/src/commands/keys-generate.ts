import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { generateKey, type KeyInfo } from '@signet/core';

import { optionalString, requireString, type Command } from '../command';
import { createColors } from '../colors';
import { EXIT, UsageError, type CliContext } from '../context';
import { createProgress } from '../progress';

export interface KeysGenerateOptions {
  name: string;
  email: string;
  algorithm: 'rsa4096' | 'ed25519';
  expires?: Date | undefined;
  outDir: string;
  passphrase?: string | undefined;
}

export interface KeysGenerateResult {
  key: KeyInfo;
  privateKeyPath: string;
  publicKeyPath: string;
  encrypted: boolean;
}

/** Generates a key and writes `private.asc` (mode 0600) and `public.asc`; never overwrites. */
export async function keysGenerateCommand(options: KeysGenerateOptions): Promise<KeysGenerateResult> {
  const { privateKeyArmored, publicKeyArmored, info } = await generateKey({
    name: options.name,
    email: options.email,
    algorithm: options.algorithm,
    expires: options.expires,
    passphrase: options.passphrase,
  });
  await mkdir(options.outDir, { recursive: true });
  const privateKeyPath = join(options.outDir, 'private.asc');
  const publicKeyPath = join(options.outDir, 'public.asc');
  await writeNew(privateKeyPath, privateKeyArmored, 0o600);
  await writeNew(publicKeyPath, publicKeyArmored, 0o644);
  return { key: info, privateKeyPath, publicKeyPath, encrypted: options.passphrase !== undefined };
}

async function writeNew(path: string, content: string, mode: number): Promise<void> {
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') {
        throw new UsageError(`${JSON.stringify(path)} already exists; choose another --out folder.`, 'INPUT_INVALID');
      }
      throw error;
    },
  );
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
}

/** `2y`, `18m`, `6w`, `30d`, or `never`. */
export function parseExpiry(value: string, now = new Date()): Date | undefined {
  if (value === 'never' || value === '0') return undefined;
  const match = /^(\d+)([dwmy])$/.exec(value);
  if (!match || Number(match[1]) === 0) {
    throw new UsageError(
      `Invalid --expires ${JSON.stringify(value)}: expected a duration such as 30d, 6w, 18m or 2y, or "never".`,
    );
  }
  const amount = Number(match[1]);
  const date = new Date(now);
  if (match[2] === 'd') date.setUTCDate(date.getUTCDate() + amount);
  if (match[2] === 'w') date.setUTCDate(date.getUTCDate() + amount * 7);
  if (match[2] === 'm') date.setUTCMonth(date.getUTCMonth() + amount);
  if (match[2] === 'y') date.setUTCFullYear(date.getUTCFullYear() + amount);
  return date;
}

export const keysGenerate: Command = {
  summary: 'make an OpenPGP signing key tofu/terraform can verify',
  usage: `Usage: signet keys generate --name NAME --email EMAIL [--algorithm rsa4096|ed25519] [--expires 2y] [--out DIR]

Writes DIR/private.asc (mode 0600) and DIR/public.asc. The private key is encrypted with
SIGNET_GPG_PASSPHRASE when it is set. RSA-4096 is the default (HashiCorp's public registry
takes RSA only); ed25519 makes a v4 EdDSA key, which tofu/terraform also verify.`,
  json: 'print the key (ID, fingerprint, expiry) and the paths written as JSON',
  options: {
    name: { type: 'string' },
    email: { type: 'string' },
    algorithm: { type: 'string' },
    expires: { type: 'string' },
    out: { type: 'string' },
  },
  async run(args, context: CliContext) {
    const algorithm = optionalString(args, 'algorithm') ?? 'rsa4096';
    if (algorithm !== 'rsa4096' && algorithm !== 'ed25519') {
      throw new UsageError(`Invalid --algorithm ${JSON.stringify(algorithm)}: expected "rsa4096" or "ed25519".`);
    }
    if (args.positionals.length > 0)
      throw new UsageError(`Unexpected argument ${JSON.stringify(args.positionals[0])}.`);
    const email = requireString(args, 'email');
    if (!/^[^\s@<>]+@[^\s@<>]+$/.test(email)) {
      throw new UsageError(`Invalid --email ${JSON.stringify(email)}: expected an address such as dev@example.com.`);
    }
    const expiresText = optionalString(args, 'expires');
    const expires = expiresText === undefined ? undefined : parseExpiry(expiresText);
    const name = requireString(args, 'name');
    const progress = createProgress(context, args.values.json === true);
    progress.phase('generating', algorithm === 'rsa4096' ? 'an RSA-4096 key (a few seconds)…' : 'an Ed25519 key…');
    const result = await keysGenerateCommand({
      name,
      email,
      algorithm,
      expires,
      outDir: resolve(context.cwd, optionalString(args, 'out') ?? '.'),
      passphrase: context.env.SIGNET_GPG_PASSPHRASE || undefined,
    }).finally(progress.done);
    const warning = result.encrypted
      ? ''
      : `${createColors(context.stdout, context.env).warning('warning')}: the private key is NOT encrypted; set SIGNET_GPG_PASSPHRASE before generating to protect it.\n`;
    return {
      json: { ok: true, ...result },
      exitCode: EXIT.ok,
      text:
        `Generated ${result.key.algorithm} key ${result.key.keyId}\n` +
        `  fingerprint  ${result.key.fingerprint}\n` +
        `  expires      ${result.key.expires ?? 'never'}\n` +
        `  private key  ${result.privateKeyPath}\n` +
        `  public key   ${result.publicKeyPath}\n` +
        warning,
    };
  },
};
