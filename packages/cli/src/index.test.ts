import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { RegistryError } from '@signet/client';
import { decryptPrivateKey, SignetError } from '@signet/core';
import { writeExampleProject } from '@signet/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseExpiry } from './commands/keys-generate';
import { UsageError } from './context';
import { exitCodeOf } from './exit-codes';
import { COMMAND_NAMES, loadCommand } from './index';
import { runCli } from './testing/run-cli';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-cli-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const run = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { cwd: dir, env: { CI: 'true', ...env } });

describe('usage errors exit 2 with a message that names the problem', () => {
  it.each([
    [['frobnicate'], /Unknown command "frobnicate"/],
    [['validate', 'dist', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['package', '--version', '1.0.0', '--out', 'dist', 'bin'], /Missing required option --name/],
    [['package', '--name', 'Hello!', '--version', '1.0.0', '--out', 'dist', 'bin'], /"Hello!"/],
    [['package', '--name', 'hello', '--version', '1.0.0+build.1', '--out', 'dist', 'bin'], /build metadata/i],
    [['package', '--name', 'hello', '--version', '1.0.0', '--protocols', 'six', '--out', 'dist', 'bin'], /"six"/],
    [['package', '--name', 'hello', '--version', '1.0.0', '--out', 'dist'], /Missing INPUT/],
    [['package', '--name', 'hello', '--version', '1.0.0', '--out', 'dist', 'no-such-dir'], /no-such-dir/],
    [['validate'], /Missing PATH/],
    [['validate', 'no-such-dir'], /no-such-dir.*no such file or folder/],
    [['validate', '.', '--key', 'missing.asc'], /Cannot read --key "missing.asc"/],
    [['sign', 'dist'], /Missing (required option )?--key/],
    [['keys', 'inspect'], /Missing FILE/],
    [['keys', 'generate', '--name', 'x', '--email', 'not-an-email'], /Invalid --email "not-an-email"/],
    [['keys', 'generate', '--name', 'x', '--email', 'a@b.c', '--algorithm', 'dsa'], /Invalid --algorithm "dsa"/],
    [['keys', 'generate', '--name', 'x', '--email', 'a@b.c', '--expires', '2x'], /Invalid --expires "2x"/],
    [['release', '-c', 'missing.yaml'], /missing\.yaml/],
  ])('signet %j', async (args, message) => {
    const result = await run(args);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
  });

  it('prints usage errors as JSON with --json', async () => {
    const result = await run(['validate', '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: { code: 'USAGE', message: expect.stringMatching(/Missing PATH/) },
    });
  });

  it.each([
    ['keys', ['generate', 'inspect', 'add', 'list', 'remove']],
    ['namespaces', ['create', 'list']],
    ['tokens', ['create', 'list', 'revoke']],
    ['mirror', ['export']],
  ])('signet %s --help lists its commands with their summaries', async (group, subs) => {
    for (const args of [
      [group, '--help'],
      [group, '-h'],
      ['help', group],
    ]) {
      const result = await run(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: signet ${group} ${subs.join('|')} [options]`);
      for (const sub of subs) expect(result.stdout).toMatch(new RegExp(`^  ${group} ${sub} +\\S`, 'm'));
    }
    // The group alone, or with a command it lacks, is a usage error that shows the same list.
    const bare = await run([group]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain(`Missing the ${group} command.`);
    expect(bare.stderr).toContain(`  ${group} ${subs[0]}`);
    const unknown = await run([group, 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`Unknown command "${group} frobnicate"`);
  });

  it('signet help CMD prints the same help as CMD --help', async () => {
    for (const [words, usage] of [
      [['validate'], 'Usage: signet validate'],
      [['keys', 'generate'], 'Usage: signet keys generate'],
      [['mirror', 'export'], 'Usage: signet mirror export'],
    ] as const) {
      const viaHelp = await run(['help', ...words]);
      const viaFlag = await run([...words, '--help']);
      expect(viaHelp.code).toBe(0);
      expect(viaHelp.stdout).toContain(usage);
      expect(viaHelp.stdout).toBe(viaFlag.stdout);
    }
    const unknown = await run(['help', 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown command "frobnicate"/);
  });

  it('lists --json in the help of every command, with what it prints', async () => {
    for (const name of COMMAND_NAMES) {
      const help = await run([...name.split(' '), '--help']);
      expect(help.code, name).toBe(0);
      expect(help.stdout, name).toMatch(/^ {2}--json {6}\S/m);
    }
    expect((await run(['validate', '--help'])).stdout).toMatch(
      /--json +print the report as JSON: each platform's zh: and h1:/,
    );
    const top = await run(['--help']);
    for (const name of COMMAND_NAMES) expect(top.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });

  it("takes every flag the README's command table documents, for the command it documents it on", async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const spans = readme
      .split('\n')
      .filter((line) => line.startsWith('| `signet '))
      .flatMap((line) => (line.split(' | ')[0] ?? '').match(/`[^`]+`/g) ?? [])
      .map((span) => span.slice(1, -1).replace(/^signet /, ''));
    const checked: string[] = [];
    for (const span of spans) {
      const words = span.split(' ');
      const name = COMMAND_NAMES.find((n) => words.slice(0, n.split(' ').length).join(' ') === n);
      expect(name, span).toBeDefined();
      const command = (await loadCommand(name!))!;
      for (const flag of span.match(/--[a-z][a-z-]*/g) ?? []) {
        expect(Object.keys(command.options), `${span}: ${flag}`).toContain(flag.slice(2));
        checked.push(`${name} ${flag}`);
      }
    }
    expect(spans.length).toBeGreaterThanOrEqual(COMMAND_NAMES.length);
    expect(checked).toContain('keys list --namespace');
    expect(checked).toContain('keys remove --namespace');
  });

  it.each([
    [['namespaces', 'list', '--token', 'x'], /SIGNET_TOKEN environment variable, never a flag/],
    [['publish', 'dist', '--token=x'], /SIGNET_TOKEN environment variable, never a flag/],
    [['sign', '--passphrase', 'x', 'dist'], /SIGNET_GPG_PASSPHRASE environment variable, never a flag/],
    [['serve', '--admin-token', 'x'], /SIGNET_ADMIN_TOKEN environment variable, never a flag/],
  ])('signet %j says where the secret goes instead (exit 2)', async (args, hint) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(hint);
    expect(result.stderr).not.toMatch(/'x'|"x"/);
  });

  it('shows help with exit 0, and usage with exit 2 when no command is given', async () => {
    expect((await run(['--help'])).code).toBe(0);
    expect((await run(['validate', '--help'])).stdout).toMatch(/Usage: signet validate/);
    expect((await run([])).code).toBe(2);
  });
});

describe('validate refuses what is not a release file or folder (exit 2, never a hang)', () => {
  beforeAll(async () => {
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    await mkdir(join(dir, 'a-folder'));
    await writeFile(join(dir, 'a-file.zip'), 'not a folder');
  });

  it.each([
    [['validate', 'pipe'], /"[^"]*pipe", found a named pipe \(FIFO\)/],
    [['validate', '/dev/zero'], /"\/dev\/zero", found a character device/],
    [['validate', 'a-file.zip/inside'], /a-file\.zip\/inside": a part of the path before the last one is a file/],
    [
      ['validate', '.', '--key', 'a-folder'],
      /--key "a-folder" to be a key file \(such as public\.asc\), found a folder/,
    ],
    [['validate', '.', '--key', 'pipe'], /--key "pipe" to be a key file \(such as public\.asc\), found a named pipe/],
    [
      ['validate', '.', '--key', '/dev/zero'],
      /--key "\/dev\/zero" to be a key file \(such as public\.asc\), found a device/,
    ],
    // Every command that reads a key file refuses the same way (key-files.ts), sign's private key included.
    [['sign', '--key', 'pipe', '.'], /--key "pipe" to be a key file \(such as public\.asc\), found a named pipe/],
    [
      ['sign', '--key', '/dev/zero', '.'],
      /--key "\/dev\/zero" to be a key file \(such as public\.asc\), found a device/,
    ],
    [['keys', 'inspect', 'a-folder'], /"a-folder" to be a key file \(such as public\.asc\), found a folder/],
  ])('signet %j', async (args, message) => {
    const result = await run(args);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/ENOTDIR|EISDIR/);
    expect(result.code).toBe(2);
  });
});

describe('signet.yaml errors', () => {
  it.each([
    ['provider: [', /line|column/i],
    ['provider:\n  name: hello\n', /provider\.version/],
    ['provider:\n  name: hello\n  version: 1.0.0\n  files: []\n  colour: blue\n', /colour/],
  ])('%j is a clear usage error', async (yaml, message) => {
    await writeFile(join(dir, 'bad.yaml'), yaml);
    const result = await run(['release', '-c', 'bad.yaml']);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
  });
});

describe('keys and passphrases', () => {
  it('keys generate writes a 0600 private key and refuses to overwrite it', async () => {
    const args = [
      'keys',
      'generate',
      '--name',
      'Dev',
      '--email',
      'dev@example.com',
      '--algorithm',
      'ed25519',
      '--out',
      'k',
    ];
    const first = await run(args, { SIGNET_GPG_PASSPHRASE: 'pw' });
    expect(first.code).toBe(0);
    expect((await stat(join(dir, 'k', 'private.asc'))).mode & 0o777).toBe(0o600);
    // What matters is that the key is encrypted with that passphrase: without it, or with another, it stays locked.
    const privateKey = await readFile(join(dir, 'k', 'private.asc'));
    expect(privateKey.toString('utf8')).toContain('BEGIN PGP PRIVATE KEY BLOCK');
    await expect(decryptPrivateKey(privateKey, undefined)).rejects.toMatchObject({ code: 'KEY_PASSPHRASE' });
    await expect(decryptPrivateKey(privateKey, 'not-pw')).rejects.toMatchObject({ code: 'KEY_PASSPHRASE' });
    await expect(decryptPrivateKey(privateKey, 'pw')).resolves.toBeDefined();
    const second = await run(args, { SIGNET_GPG_PASSPHRASE: 'pw' });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/already exists/);
  });

  it.each(['ed25519', 'rsa4096'])(
    'keys generate --algorithm %s makes a key keys inspect reports compatible',
    async (algorithm) => {
      const out = `compat-${algorithm}`;
      const generated = await run([
        'keys',
        'generate',
        '--name',
        'Dev',
        '--email',
        'dev@example.com',
        '--algorithm',
        algorithm,
        '--out',
        out,
        '--json',
      ]);
      expect(generated.code).toBe(0);
      for (const file of ['public.asc', 'private.asc']) {
        const inspected = await run(['keys', 'inspect', join(out, file), '--json']);
        expect(inspected.code).toBe(0);
        const report = JSON.parse(inspected.stdout);
        expect(report.key.compatible).toBe(true);
        expect(report.key.version).toBe(4);
        expect(report.key.keyId).toBe(JSON.parse(generated.stdout).key.keyId);
        expect(report.problems).toEqual([]);
      }
    },
  );

  it('a wrong passphrase fails release before packaging, without echoing the passphrase', async () => {
    const project = await writeExampleProject(join(dir, 'wrong-pass'), { platforms: ['linux_amd64'] });
    const result = await run(['release', '-c', project.configPath], { SIGNET_GPG_PASSPHRASE: 'not-the-passphrase' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/passphrase/i);
    expect(result.stderr).not.toContain('not-the-passphrase');
    await expect(stat(project.distDir)).rejects.toThrow();
  });

  it('a missing passphrase for an encrypted key says which variable to set', async () => {
    const project = await writeExampleProject(join(dir, 'no-pass'), { platforms: ['linux_amd64'] });
    const result = await run(['release', '-c', project.configPath]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/SIGNET_GPG_PASSPHRASE/);
  });
});

describe('parseExpiry', () => {
  const now = new Date('2026-01-31T00:00:00Z');
  it.each([
    ['30d', '2026-03-02T00:00:00.000Z'],
    ['2w', '2026-02-14T00:00:00.000Z'],
    ['2y', '2028-01-31T00:00:00.000Z'],
  ])('%s', (value, expected) => {
    expect(parseExpiry(value, now)?.toISOString()).toBe(expected);
  });
  it('never', () => expect(parseExpiry('never', now)).toBeUndefined());
});

describe('exit codes', () => {
  it.each([
    [new UsageError('x'), 2],
    [new SignetError('SHASUMS_MISMATCH', 'x'), 1],
    [new RegistryError(422, [{ code: 'ZIP_INVALID', message: 'x', severity: 'error' }], 'POST /x'), 1],
    [new RegistryError(500, [{ code: 'INTERNAL', message: 'x' }], 'POST /x'), 3],
    [new RegistryError(502, [{ code: 'HTTP_502', message: 'x' }], 'GET /x'), 3],
    [new RegistryError(503, [{ code: 'BUSY', message: 'x' }], 'GET /x'), 3],
    [new RegistryError(403, [{ code: 'FORBIDDEN', message: 'x' }], 'GET /x'), 2],
    [new RegistryError(409, [{ code: 'VERSION_PUBLISHED', message: 'x' }], 'PUT /x'), 2],
    [new SignetError('REGISTRY_TIMEOUT', 'x'), 3],
    [new SignetError('RESPONSE_INVALID', 'x'), 3],
    [new SignetError('A_CODE_FROM_THE_FUTURE', 'x'), 3],
    [new Error('a bug'), 3],
    // A key file that is no key, thrown rather than reported: an unreadable input.
    [new SignetError('KEY_INVALID', 'x'), 2],
    // In a registry's answer it is the registry reporting a problem.
    [new RegistryError(422, [{ code: 'KEY_INVALID', message: 'x', severity: 'error' }], 'POST /x'), 1],
    // A path the caller gave that the file system refuses; a fault of the machine stays 3.
    [Object.assign(new Error('ENOTDIR: not a directory'), { code: 'ENOTDIR', path: '/x', syscall: 'mkdir' }), 2],
    [Object.assign(new Error('EACCES'), { code: 'EACCES', path: '/x', syscall: 'open' }), 2],
    [Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC', path: '/x', syscall: 'write' }), 3],
  ])('%s exits %i', (error, code) => {
    expect(exitCodeOf(error)).toBe(code);
  });
});
