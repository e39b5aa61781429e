// The CLI README's exit-code table, held for every command: a case per row (0 ok, 1 validation problems, 2 usage,
// 3 anything else) for each command of the table, or the reason the row cannot happen for that command. In-process
// `main()` runs against an in-process `signet serve` (plain HTTP, on 127.0.0.1), a port nothing listens on, and
// stand-in registries that answer 500 and 507 (a full disk). The full disk of serve's own start is a real ENOSPC
// from Linux's /dev/full.
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { createRegistryClient, isApiErrorCode, RegistryError } from '@signet/client';
import { decryptPrivateKey, generateKey } from '@signet/core';
import { writeExampleProject, writeSignedRelease, type SignedRelease } from '@signet/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EXIT_BY_CODE, exitCodeOf } from './exit-codes';
import { COMMAND_NAMES, main } from './index';
import { createCaptureStream, runCli, type CliRun } from './testing/run-cli';

type Row = 0 | 1 | 2 | 3;

interface Case {
  command: string;
  exit: Row;
  what: string;
  args: () => string[];
  env?: () => Record<string, string>;
  /** What the output (stderr, else stdout) must say. */
  says?: RegExp;
  /** Run with --json and check the error code printed (a usage or other failure). */
  code?: string;
  /** Instead of `args`: a run of its own (serve, which runs until stopped), with `--json` when `json`. */
  run?: (json: boolean) => Promise<CliRun>;
}

// Why a row cannot happen for a command. Every other row has a case below; the last test checks that.
const NOT_APPLICABLE: Record<string, Partial<Record<Row, string>>> = {
  'keys generate': {
    1: 'it validates nothing: a key is made or the call is wrong',
    3: 'it reaches no registry; only a fault of the machine (a full disk) would fail it otherwise',
  },
  'keys inspect': { 3: 'it reads one local file: anything wrong with it is a usage error' },
  package: { 3: 'it reaches no registry; only a fault of the machine would fail it otherwise' },
  validate: { 3: 'it reaches no registry; only a fault of the machine would fail it otherwise' },
  serve: { 1: 'it validates nothing itself (its clients get the problems)' },
  'mirror export': { 1: 'it exports published versions, which were validated when published' },
  migrate: { 1: 'it migrates a schema; there is no release to validate' },
  gc: { 1: 'it deletes unreferenced bytes; there is no release to validate' },
  'export static': { 1: 'it exports published versions, which were validated when published' },
  'namespaces create': { 1: 'a namespace has no release to validate' },
  'namespaces list': { 1: 'it only reads' },
  'tokens create': { 1: 'a token has no release to validate' },
  'tokens list': { 1: 'it only reads' },
  'tokens revoke': { 1: 'a token has no release to validate' },
  'keys list': { 1: 'it only reads' },
  'keys remove': { 1: 'removing validates nothing' },
};

// Commands that talk to a registry: each gets the same two exit-3 cases (nothing listening, a registry that fails).
const REGISTRY_COMMANDS: Record<string, () => string[]> = {
  publish: () => ['publish', release.project.distDir, '--namespace', 'acme'],
  'mirror export': () => ['mirror', 'export', '--out', join(dir, 'mirror-3')],
  'namespaces create': () => ['namespaces', 'create', 'other'],
  'namespaces list': () => ['namespaces', 'list'],
  'tokens create': () => ['tokens', 'create', '--role', 'read', '--namespace', 'acme'],
  'tokens list': () => ['tokens', 'list'],
  'tokens revoke': () => ['tokens', 'revoke', 'tok_unknown'],
  'keys add': () => ['keys', 'add', otherKeyPath, '--namespace', 'acme'],
  'keys list': () => ['keys', 'list', '--namespace', 'acme'],
  'keys remove': () => ['keys', 'remove', '0123456789ABCDEF', '--namespace', 'acme'],
};

let dir: string;
let release: SignedRelease;
let brokenDist: string;
let registryUrl: string;
let refusedUrl: string;
let failingUrl: string;
let fullUrl: string;
let otherKeyPath: string;
let removableKeyId: string;
let revocableTokenId: string;
let stopServe: () => Promise<number>;
let failing: Server;
let full: Server;
const ADMIN = 'signet_exit-table-admin';
const FULL_MESSAGE =
  "Expected the registry to store the uploaded file, found its disk full (no space left on the volume of its data folder); nothing was stored. The registry's operator must free space on that volume or grow it; then send the request again.";
const PASSPHRASE = 'exit table passphrase';

const registryEnv = () => ({ SIGNET_TOKEN: ADMIN, SIGNET_REGISTRY: registryUrl });
const at = (url: string) => () => ({ SIGNET_TOKEN: ADMIN, SIGNET_REGISTRY: url });
const passphrase = () => ({ SIGNET_GPG_PASSPHRASE: PASSPHRASE });

/** The exit-3 case of a command that opens the store itself: a PostgreSQL URL on a port nothing listens on. */
const unreachableDatabase = (command: 'migrate' | 'gc'): Case => ({
  command,
  exit: 3,
  what: 'a PostgreSQL URL nothing answers on',
  args: () => [],
  run: async () => {
    const url = `${(await findClosedPort()).replace('http:', 'postgres:')}/signet`;
    return runCli([command, '--json', '--database', url], { cwd: dir });
  },
  says: /STORE_UNAVAILABLE/,
});

const CASES: Case[] = [
  // keys generate
  {
    command: 'keys generate',
    exit: 0,
    what: 'a new key',
    args: () => [
      'keys',
      'generate',
      '--name',
      'Dev',
      '--email',
      'dev@example.com',
      '--algorithm',
      'ed25519',
      '--out',
      'generated',
    ],
    says: /Generated EdDSA/,
  },
  {
    command: 'keys generate',
    exit: 2,
    what: 'a bad --email',
    args: () => ['keys', 'generate', '--name', 'Dev', '--email', 'nope'],
    code: 'USAGE',
  },
  {
    command: 'keys generate',
    exit: 2,
    what: 'a file where the --out folder should be',
    args: () => [
      'keys',
      'generate',
      '--name',
      'Dev',
      '--email',
      'dev@example.com',
      '--algorithm',
      'ed25519',
      '--out',
      'a-file/keys',
    ],
    says: /Cannot mkdir ".*a-file\/keys": a part of the path is a file, where a folder is expected \(ENOTDIR\)/,
    code: 'INPUT_INVALID',
  },
  // keys inspect
  {
    command: 'keys inspect',
    exit: 0,
    what: 'a compatible key',
    args: () => ['keys', 'inspect', release.project.publicKeyPath],
  },
  {
    command: 'keys inspect',
    exit: 1,
    what: 'a revoked key',
    args: () => ['keys', 'inspect', 'revoked.asc'],
    says: /error KEY_REVOKED/,
  },
  {
    command: 'keys inspect',
    exit: 2,
    what: 'a file that is no key at all',
    args: () => ['keys', 'inspect', 'garbage.asc'],
    says: /Cannot read FILE "garbage\.asc" as a key/,
    code: 'KEY_INVALID',
  },
  // package
  {
    command: 'package',
    exit: 0,
    what: 'binaries into a release folder',
    args: () => [
      'package',
      '--name',
      'hello',
      '--version',
      '1.0.0',
      '--out',
      'packaged',
      join(release.project.dir, 'bin'),
    ],
  },
  {
    command: 'package',
    exit: 1,
    what: 'a required platform without a binary',
    args: () => [
      'package',
      '--name',
      'hello',
      '--version',
      '1.0.0',
      '--platform',
      'darwin_amd64',
      '--out',
      'p1',
      join(release.project.dir, 'bin'),
    ],
    says: /error PLATFORM_REQUIRED_MISSING/,
  },
  {
    command: 'package',
    exit: 2,
    what: 'no --name',
    args: () => ['package', '--version', '1.0.0', '--out', 'p2', 'bin'],
    code: 'USAGE',
  },
  // sign
  {
    command: 'sign',
    exit: 0,
    what: 'a packaged release',
    args: () => ['sign', '--key', release.project.privateKeyPath, join(dir, 'to-sign')],
    env: passphrase,
  },
  {
    command: 'sign',
    exit: 1,
    what: 'a folder without SHA256SUMS',
    args: () => ['sign', '--key', release.project.privateKeyPath, join(dir, 'empty')],
    env: passphrase,
    says: /error FILE_MISSING/,
  },
  {
    command: 'sign',
    exit: 2,
    what: 'a --key file that is no key',
    args: () => ['sign', '--key', 'garbage.asc', join(dir, 'to-sign')],
    code: 'KEY_INVALID',
  },
  {
    command: 'sign',
    exit: 3,
    what: 'a --key-id with no gpg on the PATH',
    args: () => ['sign', '--key-id', '0123456789ABCDEF', join(dir, 'to-sign')],
    env: () => ({ PATH: join(dir, 'no-such-bin') }),
    says: /gpg, which holds the author's keyring, is not installed/,
    code: 'GPG_MISSING',
  },
  // validate
  {
    command: 'validate',
    exit: 0,
    what: 'a good release',
    args: () => ['validate', release.project.distDir, '--key', release.project.publicKeyPath],
    says: /OK: the release is complete and its signature verifies with key [0-9A-F]{16}/,
  },
  {
    command: 'validate',
    exit: 1,
    what: 'a zip deleted after signing (FILE_MISSING, not SHASUMS_EXTRA_ENTRY)',
    args: () => ['validate', brokenDist, '--key', release.project.publicKeyPath],
    says: /error FILE_MISSING \[terraform-provider-hello_1\.0\.0_linux_amd64\.zip\]: The zip .* is listed in .* but missing/,
  },
  {
    command: 'validate',
    exit: 2,
    what: 'a --key file that is no key',
    args: () => ['validate', release.project.distDir, '--key', 'garbage.asc'],
    says: /Cannot read --key "garbage\.asc" as a key/,
    code: 'KEY_INVALID',
  },
  // release
  {
    command: 'release',
    exit: 0,
    what: "the example project's signet.yaml",
    args: () => ['release', '-c', join(dir, 'release-ok', 'signet.yaml')],
    env: passphrase,
  },
  {
    command: 'release',
    exit: 1,
    what: 'protocol 7.0, which no tofu/terraform speaks',
    args: () => ['release', '-c', join(dir, 'release-7', 'signet.yaml')],
    env: passphrase,
    says: /error PROTOCOL_UNSUPPORTED: Protocol "7\.0" is newer than any tofu\/terraform speaks/,
  },
  {
    command: 'release',
    exit: 2,
    what: 'a signet.yaml that does not exist',
    args: () => ['release', '-c', 'missing.yaml'],
    says: /missing\.yaml/,
  },
  {
    command: 'release',
    exit: 3,
    what: 'gpg_key as a key ID with no gpg on the PATH',
    args: () => ['release', '-c', join(dir, 'release-key-id', 'signet.yaml')],
    env: () => ({ PATH: join(dir, 'no-such-bin') }),
    says: /gpg, which holds the author's keyring, is not installed/,
    code: 'GPG_MISSING',
  },
  // publish
  {
    command: 'publish',
    exit: 0,
    what: 'a good release',
    args: () => ['publish', release.project.distDir, '--namespace', 'acme', '--key', release.project.publicKeyPath],
    env: registryEnv,
    says: /Published .*\/acme\/hello 1\.0\.0/,
  },
  {
    command: 'publish',
    exit: 1,
    what: 'a release that fails validation (nothing is sent)',
    args: () => ['publish', brokenDist, '--namespace', 'acme', '--key', release.project.publicKeyPath],
    env: registryEnv,
    says: /Nothing was sent to the registry/,
  },
  {
    command: 'publish',
    exit: 2,
    what: '--token, which is no flag on purpose',
    args: () => ['publish', release.project.distDir, '--namespace', 'acme', '--token', 'x'],
    env: registryEnv,
    says: /Unknown option '--token'\. The registry token comes from the SIGNET_TOKEN environment variable/,
  },
  {
    command: 'publish',
    exit: 3,
    what: 'a registry whose disk is full (507 STORAGE_FULL)',
    args: () => ['publish', release.project.distDir, '--namespace', 'acme', '--key', release.project.publicKeyPath],
    env: () => at(fullUrl)(),
    says: /507 Insufficient Storage: Expected the registry to store the uploaded file, found its disk full/,
    code: 'STORAGE_FULL',
  },
  // serve
  {
    command: 'serve',
    exit: 0,
    what: 'started with sizes written 1g and 10GB, then stopped',
    args: () => [],
    run: async () => {
      const serve = await startServe('serve-sizes', ['--max-file-size', '1g', '--draft-quota', '10GB']);
      return { code: await serve.stop(), stdout: '', stderr: '', json: undefined };
    },
  },
  {
    command: 'serve',
    exit: 2,
    what: 'a size that is none',
    args: () => ['serve', '--data', 'serve-bad', '--no-tls', '--max-file-size', 'lots'],
    says: /--max-file-size "lots": expected a size above 0 in bytes \(1073741824\), 1GiB or 1g/,
  },
  {
    command: 'serve',
    exit: 3,
    what: 'a --data folder on a full disk',
    args: () => [],
    run: async (json) => {
      // The first write of a start is the owner file's draft; as a link to /dev/full it meets a real ENOSPC.
      const data = join(dir, 'serve-full');
      await mkdir(data, { recursive: true });
      await symlink('/dev/full', join(data, `signet.db.owner.${process.pid}.tmp`)).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      });
      const args = ['serve', '--data', data, '--port', '0', '--no-tls', ...(json ? ['--json'] : [])];
      return runCli(args, { cwd: dir, env: { CI: 'true' } });
    },
    says: /Expected to write ".*signet\.db\.owner" .* found no space left on the volume of .* \(ENOSPC\); nothing was changed\. Free space on that volume or grow it/,
    code: 'STORAGE_FULL',
  },
  // mirror export
  {
    command: 'mirror export',
    exit: 0,
    what: 'the registry SIGNET_REGISTRY names',
    args: () => ['mirror', 'export', '--out', join(dir, 'mirror-0')],
    env: registryEnv,
    says: /Exported 1 version\(s\) of 1 provider\(s\)/,
  },
  {
    command: 'mirror export',
    exit: 2,
    what: 'no registry at all',
    args: () => ['mirror', 'export', '--out', join(dir, 'mirror-2')],
    says: /--registry URL \(or SIGNET_REGISTRY\)/,
  },
  {
    command: 'mirror export',
    exit: 2,
    what: '--data of a folder that holds no signet serve data',
    args: () => ['mirror', 'export', '--out', join(dir, 'mirror-2'), '--data', 'empty'],
    says: /holds no `signet serve` data/,
  },
  // export static
  {
    command: 'export static',
    exit: 0,
    what: 'a stopped signet serve’s folder',
    args: () => [],
    run: async () => {
      expect(await (await startServe('static-data')).stop()).toBe(0);
      return runCli(['export', 'static', '--out', join(dir, 'static-0'), '--data', 'static-data'], { cwd: dir });
    },
    says: /Exported 0 version\(s\) of 0 provider\(s\)/,
  },
  {
    command: 'export static',
    exit: 0,
    what: '--print-nginx-config',
    args: () => ['export', 'static', '--print-nginx-config', '--out', 'static-0'],
    says: /default_type application\/json;/,
  },
  {
    command: 'export static',
    exit: 2,
    what: '--data of a folder that holds no signet serve data',
    args: () => ['export', 'static', '--out', join(dir, 'static-2'), '--data', 'empty'],
    says: /holds no `signet serve` data/,
    code: 'INPUT_INVALID',
  },
  {
    command: 'export static',
    exit: 2,
    what: '--data of a running signet serve',
    args: () => ['export', 'static', '--out', join(dir, 'static-2'), '--data', 'serve'],
    says: /in use by a running `signet serve`/,
    code: 'STORE_LOCKED',
  },
  {
    command: 'export static',
    exit: 2,
    what: 'a --to that is no s3:// URL',
    args: () => ['export', 'static', '--to', 'ftp://bucket/x', '--data', 'static-data'],
    says: /Expected --to to be an s3:\/\/ URL/,
    code: 'CONFIG_INVALID',
  },
  {
    command: 'export static',
    exit: 3,
    what: 'a --to bucket whose endpoint nothing listens on',
    args: () => [],
    run: async () => {
      // The AWS SDK reads its credentials from the process environment, not the CLI's.
      const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
      process.env.AWS_ACCESS_KEY_ID = 'exit-table';
      process.env.AWS_SECRET_ACCESS_KEY = 'exit-table';
      try {
        const to = `s3://static-bucket?endpoint=${refusedUrl}&forcePathStyle=true&region=us-east-1`;
        return await runCli(['export', 'static', '--to', to, '--data', 'static-data'], { cwd: dir });
      } finally {
        for (const [name, value] of [
          ['AWS_ACCESS_KEY_ID', saved.id],
          ['AWS_SECRET_ACCESS_KEY', saved.secret],
        ] as const) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    },
    says: /Could not .* in bucket "static-bucket"/,
  },
  // migrate
  {
    command: 'migrate',
    exit: 0,
    what: 'a stopped signet serve’s folder, already at the latest schema',
    args: () => ['migrate', '--data', 'static-data'],
    says: /Nothing to apply: .*signet\.db is at schema version \d+/,
  },
  {
    command: 'migrate',
    exit: 2,
    what: '--data of a folder that holds no signet serve data',
    args: () => ['migrate', '--data', 'empty'],
    says: /holds no `signet serve` data/,
    code: 'INPUT_INVALID',
  },
  unreachableDatabase('migrate'),
  // gc
  {
    command: 'gc',
    exit: 0,
    what: 'a dry run over a stopped signet serve’s folder',
    args: () => ['gc', '--data', 'static-data', '--dry-run'],
    says: /Scanned \d+ blobs: \d+ referenced/,
  },
  {
    command: 'gc',
    exit: 2,
    what: '--data of a folder that holds no registry',
    args: () => ['gc', '--data', 'empty'],
    says: /holds no registry/,
    code: 'INPUT_INVALID',
  },
  unreachableDatabase('gc'),
  // registry administration
  {
    command: 'namespaces create',
    exit: 0,
    what: 'a new namespace',
    args: () => ['namespaces', 'create', 'corp'],
    env: registryEnv,
  },
  {
    command: 'namespaces create',
    exit: 2,
    what: 'a namespace that exists',
    args: () => ['namespaces', 'create', 'acme'],
    env: registryEnv,
  },
  {
    command: 'namespaces list',
    exit: 0,
    what: 'the namespaces',
    args: () => ['namespaces', 'list'],
    env: registryEnv,
    says: /acme/,
  },
  {
    command: 'namespaces list',
    exit: 2,
    what: 'no SIGNET_TOKEN',
    args: () => ['namespaces', 'list'],
    env: () => ({ SIGNET_REGISTRY: registryUrl }),
    says: /Set SIGNET_TOKEN/,
  },
  {
    command: 'tokens create',
    exit: 0,
    what: 'a read token',
    args: () => ['tokens', 'create', '--role', 'read', '--namespace', 'acme'],
    env: registryEnv,
  },
  {
    command: 'tokens create',
    exit: 2,
    what: 'a role that does not exist',
    args: () => ['tokens', 'create', '--role', 'owner'],
    env: registryEnv,
  },
  { command: 'tokens list', exit: 0, what: 'the tokens', args: () => ['tokens', 'list'], env: registryEnv },
  {
    command: 'tokens list',
    exit: 2,
    what: '--token, which is no flag on purpose',
    args: () => ['tokens', 'list', '--token', 'x'],
    env: registryEnv,
    says: /SIGNET_TOKEN/,
  },
  {
    command: 'tokens revoke',
    exit: 0,
    what: 'a token',
    args: () => ['tokens', 'revoke', revocableTokenId],
    env: registryEnv,
  },
  {
    command: 'tokens revoke',
    exit: 2,
    what: 'no ID',
    args: () => ['tokens', 'revoke'],
    env: registryEnv,
    code: 'USAGE',
  },
  {
    command: 'keys add',
    exit: 0,
    what: 'a compatible key',
    args: () => ['keys', 'add', otherKeyPath, '--namespace', 'acme'],
    env: registryEnv,
  },
  {
    command: 'keys add',
    exit: 1,
    what: 'a revoked key (the registry reports the problem)',
    args: () => ['keys', 'add', 'revoked.asc', '--namespace', 'acme'],
    env: registryEnv,
    says: /KEY_REVOKED/,
  },
  {
    command: 'keys add',
    exit: 2,
    what: 'a file that is no key',
    args: () => ['keys', 'add', 'garbage.asc', '--namespace', 'acme'],
    env: registryEnv,
    code: 'KEY_INVALID',
  },
  {
    command: 'keys list',
    exit: 0,
    what: "a namespace's keys",
    args: () => ['keys', 'list', '--namespace', 'acme'],
    env: registryEnv,
  },
  {
    command: 'keys list',
    exit: 2,
    what: 'no --namespace',
    args: () => ['keys', 'list'],
    env: registryEnv,
    says: /Missing required option --namespace/,
  },
  {
    command: 'keys remove',
    exit: 0,
    what: 'a key of the namespace',
    args: () => ['keys', 'remove', removableKeyId, '--namespace', 'acme'],
    env: registryEnv,
    says: /Removed/,
  },
  {
    command: 'keys remove',
    exit: 2,
    what: 'a key the namespace does not have',
    args: () => ['keys', 'remove', '0123456789ABCDEF', '--namespace', 'acme'],
    env: registryEnv,
    says: /Namespace "acme" has no key "0123456789ABCDEF"/,
    code: 'NOT_FOUND',
  },
  ...Object.entries(REGISTRY_COMMANDS).flatMap(([command, args]): Case[] => [
    {
      command,
      exit: 3,
      what: 'a registry URL on a port nothing listens on',
      args,
      env: () => at(refusedUrl)(),
      says: /Cannot reach the registry at http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/,
      code: 'REGISTRY_UNREACHABLE',
    },
    {
      command,
      exit: 3,
      what: 'a registry that answers 500',
      args,
      env: () => at(failingUrl)(),
      says: /500 The registry failed/,
    },
  ]),
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-exit-table-'));
  release = await writeSignedRelease(join(dir, 'project'), { platforms: ['linux_amd64'], passphrase: PASSPHRASE });
  brokenDist = join(dir, 'broken');
  await cp(release.project.distDir, brokenDist, { recursive: true });
  await rm(join(brokenDist, 'terraform-provider-hello_1.0.0_linux_amd64.zip'));
  await cp(release.project.distDir, join(dir, 'to-sign'), { recursive: true });
  await mkdir(join(dir, 'empty'));
  await writeFile(join(dir, 'a-file'), 'a file, not a folder');
  await writeFile(join(dir, 'garbage.asc'), 'not an OpenPGP key');
  const revoked = await (await decryptPrivateKey((await newKey()).privateKeyArmored, undefined)).revoke({});
  await writeFile(join(dir, 'revoked.asc'), revoked.toPublic().armor());
  otherKeyPath = join(dir, 'other.asc');
  await writeFile(otherKeyPath, (await newKey()).publicKeyArmored);
  await writeExampleProject(join(dir, 'release-ok'), {
    platforms: ['linux_amd64'],
    passphrase: PASSPHRASE,
    binarySize: 1024,
  });
  const seven = await writeExampleProject(join(dir, 'release-7'), {
    platforms: ['linux_amd64'],
    passphrase: PASSPHRASE,
    binarySize: 1024,
  });
  await writeFile(seven.configPath, (await readFile(seven.configPath, 'utf8')).replace('["6.0"]', '["7.0"]'));
  const byKeyId = await writeExampleProject(join(dir, 'release-key-id'), {
    platforms: ['linux_amd64'],
    binarySize: 1024,
  });
  await writeFile(
    byKeyId.configPath,
    (await readFile(byKeyId.configPath, 'utf8')).replace(/gpg_key: .*/, 'gpg_key: 0123456789ABCDEF'),
  );

  ({ url: registryUrl, stop: stopServe } = await startServe('serve'));
  refusedUrl = await findClosedPort();
  failing = createServer((_request, response) => {
    // Retry-After: 0 keeps the client's retries of a read from waiting.
    response.writeHead(500, { 'content-type': 'application/json', 'retry-after': '0' });
    response.end(JSON.stringify({ errors: [{ code: 'INTERNAL', message: 'The registry failed.' }] }));
  });
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
  failingUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
  full = createServer((request, response) => {
    // What signet serve answers when its disk is full (storage/errors.ts StoreFullError), to every request.
    request.resume();
    request.on('end', () => {
      response.writeHead(507, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errors: [{ code: 'STORAGE_FULL', message: FULL_MESSAGE }] }));
    });
  });
  await new Promise<void>((resolve) => full.listen(0, '127.0.0.1', resolve));
  fullUrl = `http://127.0.0.1:${(full.address() as AddressInfo).port}`;

  const client = await createRegistryClient({ url: registryUrl, token: ADMIN });
  try {
    await client.createNamespace({ name: 'acme' });
    const removable = await newKey();
    removableKeyId = (await client.addKey('acme', { ascii_armor: removable.publicKeyArmored })).key_id;
    revocableTokenId = (await client.createToken({ name: 'to revoke', role: 'read', namespaces: ['acme'] })).id;
  } finally {
    await client.close();
  }
});

afterAll(async () => {
  for (const server of [failing, full]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  expect(await stopServe()).toBe(0);
  await rm(dir, { recursive: true, force: true });
});

function newKey() {
  return generateKey({ name: 'Other', email: 'other@example.com', algorithm: 'ed25519' });
}

/** `signet serve` in-process on a free port, plain HTTP; resolves once it listens. */
async function startServe(data: string, extra: string[] = []): Promise<{ url: string; stop: () => Promise<number> }> {
  const stop = new AbortController();
  let first: (line: string) => void = () => {};
  const line = new Promise<string>((resolve) => (first = resolve));
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      first(chunk.toString());
      callback();
    },
  });
  const done = main(['serve', '--data', join(dir, data), '--port', '0', '--no-tls', '--json', '--quiet', ...extra], {
    stdout,
    stderr: createCaptureStream(),
    env: { CI: 'true', SIGNET_ADMIN_TOKEN: ADMIN },
    cwd: dir,
    signal: stop.signal,
  });
  const started = await Promise.race([line, done.then((code) => `exit ${code}`)]);
  if (started.startsWith('exit')) throw new Error(`signet serve did not start: ${started}`);
  return {
    url: (JSON.parse(started) as { url: string }).url.replace('localhost', '127.0.0.1'),
    stop: async () => {
      stop.abort();
      return done;
    },
  };
}

/** A URL on 127.0.0.1 whose port nothing listens on (it was free a moment ago and is closed again). */
async function findClosedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

async function run(c: Case, json: boolean): Promise<CliRun> {
  if (c.run) return c.run(json);
  return runCli([...c.args(), ...(json ? ['--json'] : [])], { cwd: dir, env: { CI: 'true', ...c.env?.() } });
}

describe('the exit-code table, command by command', () => {
  // In order: the 0 cases make what later cases use (a published version for mirror export).
  it.each(CASES.map((c) => [c.command, c.exit, c.what, c] as const))('signet %s exits %i: %s', async (...[, , , c]) => {
    const result = await run(c, false);
    const output = result.stderr || result.stdout;
    expect(result.code, output).toBe(c.exit);
    if (c.says) expect(output).toMatch(c.says);
    expect(output).not.toMatch(/INTERNAL|Cannot read properties|at .*\.ts:\d+/);
    if (c.code !== undefined) {
      // The same failure with --json: one JSON document on stdout, with the error's code.
      const again = await run(c, true);
      expect(again.code).toBe(c.exit);
      expect(again.json).toMatchObject({ ok: false, error: { code: c.code } });
    }
  });

  it('gives STORAGE_FULL, a code of the API, exit 3 (anything else) by name, not as an unknown code', () => {
    expect(isApiErrorCode('STORAGE_FULL')).toBe(true);
    expect(EXIT_BY_CODE.STORAGE_FULL).toBe(3);
    expect(exitCodeOf(new RegistryError(507, [{ code: 'STORAGE_FULL', message: FULL_MESSAGE }], 'PUT /x'))).toBe(3);
  });

  it('has a case or a reason for every row of every command', () => {
    const missing = COMMAND_NAMES.flatMap((command) =>
      ([0, 1, 2, 3] as const)
        .filter((row) => !CASES.some((c) => c.command === command && c.exit === row))
        .filter((row) => NOT_APPLICABLE[command]?.[row] === undefined)
        .map((row) => `${command}: exit ${row}`),
    );
    expect(missing).toEqual([]);
    const both = CASES.filter((c) => NOT_APPLICABLE[c.command]?.[c.exit] !== undefined);
    expect(both.map((c) => `${c.command}: exit ${c.exit}`)).toEqual([]);
  });
});
