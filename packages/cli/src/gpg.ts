import { spawn } from 'node:child_process';

import { SignetError } from '@signet/core';

import type { CliContext } from './context';

/** One secret key of the author's gpg keyring, from `gpg --list-secret-keys --with-colons`. */
export interface GpgSecretKey {
  /** Primary key long ID, 16 upper-case hex. */
  keyId: string;
  /** Primary key fingerprint, 40 upper-case hex. */
  fingerprint: string;
  userIds: string[];
  /** The key as a whole can sign (gpg's upper-case `S` capability: the primary or a usable subkey). */
  canSign: boolean;
}

export interface GpgRun {
  code: number;
  stdout: Buffer;
  stderr: string;
}

interface RunGpgOptions {
  /** Written to gpg's stdin (then closed); without it gpg shares Signet's stdin, for a terminal pinentry. */
  input?: string;
  /** Redacted from the summary of stderr, should gpg ever echo it. */
  secret?: string;
}

// Variables of Signet's own that gpg has no use for; the passphrase reaches gpg only through its stdin.
const WITHHELD_ENV = ['SIGNET_GPG_PASSPHRASE', 'SIGNET_TOKEN', 'SIGNET_ADMIN_TOKEN'];
const MAX_SUMMARY_LINES = 4;

/**
 * Runs the author's `gpg` with the command's environment (GNUPGHOME, GPG_TTY, PATH) and `--status-fd 2`, so
 * failures can be told apart by status keywords rather than by messages in the user's language. Throws
 * SignetError('GPG_MISSING') when there is no gpg to run.
 */
export async function runGpg(
  context: CliContext,
  args: readonly string[],
  options: RunGpgOptions = {},
): Promise<GpgRun> {
  const env = Object.fromEntries(Object.entries(context.env).filter(([name]) => !WITHHELD_ENV.includes(name)));
  const child = spawn('gpg', ['--status-fd', '2', ...args], {
    env,
    cwd: context.cwd,
    stdio: [options.input === undefined ? 'inherit' : 'pipe', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
  // gpg may exit before reading all of stdin (a key that needs no passphrase); that EPIPE is no failure.
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(options.input);
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new SignetError(
              'GPG_MISSING',
              'gpg is not installed: no "gpg" on the PATH. Install GnuPG (apt-get install gnupg, brew install gnupg), or give provider.gpg_key / --key as a key file (gpg --export-secret-keys --armor KEY_ID > private.asc).',
            )
          : new SignetError('GPG_FAILED', `Cannot run gpg (${error.code ?? error.message}).`, { cause: error }),
      ),
    );
    child.on('close', (exit) => resolve(exit ?? -1));
  });
  const text = Buffer.concat(stderr).toString('utf8');
  return {
    code,
    stdout: Buffer.concat(stdout),
    stderr: options.secret ? text.split(options.secret).join('***') : text,
  };
}

/** The secret keys a key ID or fingerprint matches in the gpg keyring (none, one, or several). */
export async function listGpgSecretKeys(context: CliContext, keyId: string): Promise<GpgSecretKey[]> {
  const run = await runGpg(context, [
    '--batch',
    '--with-colons',
    '--with-fingerprint',
    '--list-secret-keys',
    '--',
    keyId,
  ]);
  const keys = parseGpgSecretKeys(run.stdout.toString('utf8'));
  // gpg exits 2 for "No secret key" (status ERROR keylist.getkey): an answer, not a failure.
  if (run.code !== 0 && keys.length === 0 && !/^\[GNUPG:\] ERROR keylist\.getkey /m.test(run.stderr)) {
    throw gpgFailure(`list the secret keys for ${keyId}`, run);
  }
  return keys;
}

/**
 * Parses `gpg --with-colons --list-secret-keys` output: one entry per `sec` record, with the `fpr` and `uid`
 * records that follow it (subkey records `ssb` and their `fpr` are skipped).
 */
export function parseGpgSecretKeys(colons: string): GpgSecretKey[] {
  const keys: GpgSecretKey[] = [];
  let current: GpgSecretKey | undefined;
  let inSubkey = false;
  for (const line of colons.split('\n')) {
    const fields = line.split(':');
    const type = fields[0];
    if (type === 'sec') {
      current = {
        keyId: (fields[4] ?? '').toUpperCase(),
        fingerprint: '',
        userIds: [],
        canSign: /S/.test(fields[11] ?? ''),
      };
      keys.push(current);
      inSubkey = false;
    } else if (type === 'ssb') {
      inSubkey = true;
    } else if (type === 'fpr' && current && !inSubkey && current.fingerprint === '') {
      current.fingerprint = (fields[9] ?? '').toUpperCase();
    } else if (type === 'uid' && current) {
      current.userIds.push(unescapeColons(fields[9] ?? ''));
    }
  }
  return keys;
}

/** `gpg --export FINGERPRINT`: the public key, binary. */
export async function exportGpgPublicKey(context: CliContext, fingerprint: string): Promise<Uint8Array> {
  const run = await runGpg(context, ['--batch', '--no-armor', '--export', '--', fingerprint]);
  if (run.code !== 0 || run.stdout.length === 0) throw gpgFailure(`export the public key ${fingerprint}`, run);
  return run.stdout;
}

/**
 * Makes a binary detached signature of a file with `gpg --local-user FINGERPRINT --detach-sign`. gpg asks its
 * agent for the passphrase as it always does (a cached one, or pinentry); when SIGNET_GPG_PASSPHRASE is set it
 * is handed to gpg on stdin (`--pinentry-mode loopback --passphrase-fd 0`), never in argv.
 */
export async function signWithGpg(context: CliContext, fingerprint: string, path: string): Promise<Uint8Array> {
  const passphrase = context.env.SIGNET_GPG_PASSPHRASE || undefined;
  const unlock = passphrase === undefined ? [] : ['--batch', '--pinentry-mode', 'loopback', '--passphrase-fd', '0'];
  const args = [...unlock, '--no-armor', '--local-user', fingerprint, '--detach-sign', '--output', '-', '--', path];
  const run = await runGpg(
    context,
    args,
    passphrase === undefined ? {} : { input: `${passphrase}\n`, secret: passphrase },
  );
  if (run.code === 0 && run.stdout.length > 0) return run.stdout;
  // 67108875 is GPG_ERR_BAD_PASSPHRASE from gpg-agent; gpg prints no BAD_PASSPHRASE status when signing.
  if (/^\[GNUPG:\] (?:BAD_PASSPHRASE|FAILURE sign 67108875$)/m.test(run.stderr)) {
    throw new SignetError(
      'KEY_PASSPHRASE',
      `gpg refused the passphrase for key ${fingerprint}: SIGNET_GPG_PASSPHRASE does not unlock it; check the variable (and that it holds no trailing newline).`,
    );
  }
  const hint =
    passphrase === undefined
      ? ' When the key has a passphrase and no terminal or pinentry can ask for it (CI, "Inappropriate ioctl for device"), set SIGNET_GPG_PASSPHRASE, or unlock the key in gpg-agent first.'
      : '';
  throw gpgFailure(`sign with key ${fingerprint}`, run, hint);
}

/** gpg's own error lines (not the status lines), the last few, for a message that says why. */
export function summarizeGpgStderr(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('[GNUPG:]'))
    .map((line) => (line.length > 200 ? `${line.slice(0, 200)}…` : line));
  const unique = [...new Set(lines)];
  return unique.length === 0 ? 'no message' : unique.slice(-MAX_SUMMARY_LINES).join('; ');
}

function gpgFailure(what: string, run: GpgRun, hint = ''): SignetError {
  return new SignetError(
    'GPG_FAILED',
    `gpg could not ${what} (exit ${run.code}): ${JSON.stringify(summarizeGpgStderr(run.stderr))}.${hint}`,
  );
}

// gpg escapes ':' and other bytes in user IDs as \xHH.
function unescapeColons(value: string): string {
  return value.replace(/\\x([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
