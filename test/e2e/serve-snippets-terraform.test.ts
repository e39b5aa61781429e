// Acceptance of issue 9 item 3: what the `signet serve` banner prints works when pasted. A real `signet serve`
// (human banner, not --json) is started; every snippet it prints is taken from its output as it stands and run:
// the publish and `tokens create` lines by a POSIX shell (with `signet` on the PATH, as an installed CLI is), the
// `export SSL_CERT_FILE=…` line by the shell that runs terraform, the required_providers block as main.tf and the
// CLI-config block as the CLI config. The only edit is the one the banner asks for: the read token in place of
// <READ_TOKEN>. Terraform must then install every provider the block names.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { buildExampleRelease, type ExampleRelease } from '@signet/registry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BIN, runSignet, TSX_LOADER } from '../helpers/cli';
import { requireTool } from '../helpers/tools';

const terraform = requireTool('terraform');

interface Banner {
  text: string;
  url: string;
  host: string;
  /** The blocks of lines indented by two spaces, each as printed (indentation kept). */
  snippets: string[];
  stop(): Promise<void>;
}

let work: string;
let release: ExampleRelease;
/** A folder with a `signet` executable: the repository's CLI, as `npm install -g` would put it on the PATH. */
let shimDir: string;
/** The folder that makes Go trust no CA from the system's certificate folder: only the export line can help. */
let emptyCertDir: string;
const children: ChildProcess[] = [];
/** The admin token the first start printed (the second test restarts on the same data). */
let adminToken = '';

/** Starts `signet serve` as a user does and resolves with its banner once printed. */
async function startServeBanner(dataDir: string): Promise<Banner> {
  const child = spawn(
    process.execPath,
    ['--import', TSX_LOADER, BIN, 'serve', '--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--quiet'],
    { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`signet serve printed no banner in 60 s:\n${stderr}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('Stop with Ctrl-C.')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`signet serve exited with ${code}:\n${stderr}`));
    });
  });
  const url = /^Signet registry on (\S+) /m.exec(stdout)?.[1];
  if (url === undefined) throw new Error(`The banner names no URL:\n${stdout}`);
  return {
    text: stdout,
    url,
    host: new URL(url).host,
    snippets: readSnippets(stdout),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The runs of lines indented by two spaces: what the banner offers to copy, each kept exactly as printed. */
function readSnippets(text: string): string[] {
  const snippets: string[] = [];
  let current: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('  ')) {
      current.push(line);
      continue;
    }
    if (current.length > 0) snippets.push(current.join('\n'));
    current = [];
  }
  return snippets;
}

function snippet(banner: Banner, test: (text: string) => boolean, what: string): string {
  const found = banner.snippets.filter(test);
  if (found.length !== 1) throw new Error(`Expected one ${what} in the banner, found ${found.length}:\n${banner.text}`);
  return found[0]!;
}

const requiredProviders = (b: Banner) => snippet(b, (s) => s.startsWith('  terraform {'), 'required_providers block');
const exportLine = (b: Banner) => snippet(b, (s) => s.trim().startsWith('export SSL_CERT_FILE='), 'export line');
const cliConfig = (b: Banner) => snippet(b, (s) => /^ {2}#? ?credentials "/.test(s), 'CLI-config block');
const shellLine = (b: Banner, command: string) =>
  snippet(b, (s) => s.trim().startsWith(`signet ${command} `) && !s.includes('\n'), `"signet ${command}" line`);

/** PATH with the `signet` shim, and nothing else of the test process (no INIT_CWD, no SIGNET_*, no SSL_*). */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: `${shimDir}:${process.env.PATH ?? ''}`, HOME: join(work, 'home'), CI: 'true', ...extra };
}

/** Runs `script` with `sh -c` in `cwd`, as a user pastes it into a terminal. */
async function runShell(script: string, cwd: string, env: Record<string, string>) {
  try {
    const { stdout, stderr } = await promisify(execFile)('sh', ['-c', script], { cwd, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A root module and CLI config from the banner's snippets, then the export line and terraform init in one shell. */
async function terraformInit(name: string, banner: Banner, config: string) {
  const dir = join(work, name);
  await mkdir(join(dir, 'home'), { recursive: true });
  await writeFile(join(dir, 'main.tf'), `${requiredProviders(banner)}\n`);
  await writeFile(join(dir, 'terraformrc'), `${config}\n`);
  const run = await runShell(`${exportLine(banner)}\nterraform init -input=false -no-color`, dir, {
    PATH: process.env.PATH ?? '',
    HOME: join(dir, 'home'),
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_CLI_CONFIG_FILE: join(dir, 'terraformrc'),
    SSL_CERT_DIR: emptyCertDir,
  });
  return { ...run, output: run.stdout + run.stderr };
}

describe.skipIf(!terraform)(
  `the snippets signet serve prints, pasted into terraform${terraform ? '' : ' — SKIPPED: terraform is not on the PATH'}`,
  () => {
    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'signet-serve-snippets-'));
      shimDir = join(work, 'shim');
      emptyCertDir = join(work, 'empty-cert-dir');
      await Promise.all([mkdir(shimDir), mkdir(emptyCertDir), mkdir(join(work, 'home'))]);
      await writeFile(
        join(shimDir, 'signet'),
        `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} --import ${JSON.stringify(TSX_LOADER)} ${JSON.stringify(BIN)} "$@"\n`,
      );
      await chmod(join(shimDir, 'signet'), 0o755);
      release = await buildExampleRelease(join(work, 'hello'));
    });

    afterAll(async () => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await rm(work, { recursive: true, force: true });
    });

    it('acceptance: first start, publish as printed, then main.tf + export line from the banner install it', async () => {
      const data = join(work, 'data');
      const first = await startServeBanner(data);
      try {
        adminToken = /^Admin token \(shown only now; keep it\): (\S+)$/m.exec(first.text)?.[1] ?? '';
        expect(adminToken).toMatch(/^signet_/);

        // The publish line, run where the release folder is (dist/ and public.asc, as the line names them).
        const publish = await runShell(
          shellLine(first, 'publish'),
          release.project.dir,
          cleanEnv({ SIGNET_TOKEN: adminToken }),
        );
        expect(publish.stderr).toBe('');
        expect(publish.code).toBe(0);

        const run = await terraformInit('tf-public', first, cliConfig(first));
        expect(run.output).toContain(
          `- Installed ${first.host}/acme/hello v1.0.0 (self-signed, key ID ${release.keyId})`,
        );
        expect(run.output).toContain('Terraform has been successfully initialized!');
        expect(run.code).toBe(0);

        // For the next test: a private namespace holding the same provider.
        const registry = ['--registry', first.url, '--ca-file', join(data, 'tls', 'ca.pem')];
        const env = { SIGNET_TOKEN: adminToken };
        expect(
          (await runSignet(['namespaces', 'create', 'acme-private', '--private', ...registry], { cwd: work, env }))
            .code,
        ).toBe(0);
        const privatePublish = await runSignet(
          [
            'publish',
            release.distDir,
            '--namespace',
            'acme-private',
            '--key',
            release.project.publicKeyPath,
            ...registry,
          ],
          { cwd: work, env },
        );
        expect(privatePublish.code).toBe(0);
      } finally {
        await first.stop();
      }
    });

    it('after a restart: both providers, the read token made by the printed command, the credentials block', async () => {
      expect(adminToken).toMatch(/^signet_/); // from the first test
      const again = await startServeBanner(join(work, 'data'));
      try {
        expect(again.text).not.toContain(adminToken); // printed once, at the first start
        const made = await runShell(shellLine(again, 'tokens create'), work, cleanEnv({ SIGNET_TOKEN: adminToken }));
        expect(made.stderr).toBe('');
        expect(made.code).toBe(0);
        expect(made.stdout).toContain('Created read token');
        const readToken = made.stdout.trim().split('\n').at(-1) ?? '';
        expect(readToken).toMatch(/^signet_/);

        const config = cliConfig(again);
        expect(config).toContain('<READ_TOKEN>');
        const run = await terraformInit('tf-private', again, config.replace('<READ_TOKEN>', readToken));
        for (const namespace of ['acme', 'acme-private']) {
          expect(run.output).toContain(
            `- Installed ${again.host}/${namespace}/hello v1.0.0 (self-signed, key ID ${release.keyId})`,
          );
        }
        expect(run.code).toBe(0);
      } finally {
        await again.stop();
      }
    });
  },
);
