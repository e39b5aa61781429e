// The Action as GitHub runs it: `node action/dist/index.js` with INPUT_* variables, against a real `signet serve`
// over HTTPS; terraform installs what it published. Go builds need `go` (Debian golang-go) and the install needs
// `terraform`; without them those tests say so loudly and skip.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRegistryClient, type RegistryClient } from '@signet/client';
import { generateKey, type GeneratedKey } from '@signet/core';
import { createFakeExecutable } from '@signet/core/testing';
import * as openpgp from 'openpgp';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSignetServe, type SignetServer } from '../../test/helpers/registry';
import { parseLockHashes, requiredProvidersConfig, runTerraform } from '../../test/helpers/terraform';
import { startGithubStandIn } from './github-standin';
import { runAction } from './run-action';

const PASSPHRASE = 'action test passphrase';
const dirs: string[] = [];
let server: SignetServer;
let client: RegistryClient;
let publishToken: string;
let otherToken: string;
let key: GeneratedKey;

async function newDir(prefix = 'signet-action-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

function has(tool: string): boolean {
  try {
    execFileSync(tool, ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const HAS_GO = has('go');
const HAS_TERRAFORM = has('terraform');
for (const [tool, ok] of [
  ['go', HAS_GO],
  ['terraform', HAS_TERRAFORM],
] as const) {
  if (!ok)
    console.warn(
      `\n*** SKIPPED: ${tool} is not on the PATH; the Action tests that need it are skipped (apt-get install golang-go / install terraform). ***\n`,
    );
}

/** A goreleaser-style dist/: one folder per platform with the binary, plus goreleaser's own files. */
async function goreleaserDist(workspace: string, platforms: string[], seed = 0, name = 'hello'): Promise<void> {
  await mkdir(join(workspace, 'dist'), { recursive: true });
  await writeFile(join(workspace, 'dist', 'config.yaml'), 'project_name: terraform-provider-' + name + '\n');
  await writeFile(
    join(workspace, 'dist', 'metadata.json'),
    '{"project_name":"terraform-provider-' + name + '","tag":"v1.0.0"}\n',
  );
  await writeFile(join(workspace, 'dist', 'artifacts.json'), '[]\n');
  for (const [i, platform] of platforms.entries()) {
    const dir = join(workspace, 'dist', `${name}_${platform}`);
    await mkdir(dir, { recursive: true });
    const exe = `terraform-provider-${name}_v1.0.0${platform.startsWith('windows') ? '.exe' : ''}`;
    await writeFile(join(dir, exe), createFakeExecutable(platform, 32 * 1024, seed + i), { mode: 0o755 });
  }
}

/** A minimal Go provider module: standard library only, the version set through ldflags. */
async function goWorkspace(): Promise<string> {
  const workspace = await newDir();
  await writeFile(join(workspace, 'go.mod'), 'module example.com/terraform-provider-hello\n\ngo 1.19\n');
  await writeFile(
    join(workspace, 'main.go'),
    'package main\n\nvar version string\n\nfunc main() { println(version) }\n',
  );
  return workspace;
}

/** A private Go build cache per workspace, as a fresh runner has. */
function goEnv(workspace: string): Record<string, string> {
  return { GOCACHE: join(workspace, '.gocache'), HOME: workspace };
}

function baseInputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'registry-url': server.url,
    'registry-token': publishToken,
    namespace: 'acme',
    'gpg-private-key': key.privateKeyArmored,
    'gpg-passphrase': PASSPHRASE,
    'ca-file': server.caFile,
    ...extra,
  };
}

beforeAll(async () => {
  server = await startSignetServe({ dataDir: await newDir('signet-action-data-'), adminToken: 'signet_action-admin' });
  client = await createRegistryClient({ url: server.url, token: server.adminToken, caFile: server.caFile });
  await client.createNamespace({ name: 'acme' });
  await client.createNamespace({ name: 'other' });
  publishToken = (await client.createToken({ name: 'acme ci', role: 'publish', namespaces: ['acme'] })).token;
  otherToken = (await client.createToken({ name: 'other ci', role: 'publish', namespaces: ['other'] })).token;
  key = await generateKey({ name: 'Acme CI', email: 'ci@acme.example', algorithm: 'ed25519', passphrase: PASSPHRASE });
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe.skipIf(!HAS_GO)('the Go build path', () => {
  // A private Go build cache compiles the standard library for each of the 13 platforms: minutes when other suites
  // (the desktop's Go builds) share the 2 cores.
  const GO_BUILD_TIMEOUT = 360_000;

  it(
    'cross-compiles 13 platforms, publishes them, and terraform init installs the result',
    { timeout: GO_BUILD_TIMEOUT },
    async () => {
      const workspace = await goWorkspace();
      const run = await runAction({
        cwd: workspace,
        inputs: baseInputs({ build: 'go' }),
        env: goEnv(workspace),
      });
      expect(run.log).not.toContain('::error::');
      expect(run.code).toBe(0);
      expect(run.outputs.version).toBe('1.0.0');
      const keyId = run.outputs['key-id']!;
      expect(keyId).toMatch(/^[0-9A-F]{16}$/);
      expect(JSON.parse(run.outputs.artifacts!)).toHaveLength(16);
      expect(run.outputs['version-url']).toBe(`${server.url}/api/v1/providers/acme/hello/versions/1.0.0`);
      expect(run.summary).toContain(`source  = "${server.host}/acme/hello"`);
      expect(run.summary).toContain('linux_amd64');
      const published = await client.getVersion('acme', 'hello', '1.0.0', { report: false });
      expect(published?.state).toBe('published');
      expect(published?.files).toHaveLength(16);

      if (!HAS_TERRAFORM) return;
      const tf = await newDir();
      await writeFile(join(tf, 'main.tf'), requiredProvidersConfig(`${server.host}/acme/hello`, '1.0.0'));
      const init = await runTerraform(tf, ['init'], {
        cliConfig: '',
        env: { SSL_CERT_FILE: server.caFile, SSL_CERT_DIR: await newDir() },
      });
      expect(init.output).toContain(`Installed ${server.host}/acme/hello v1.0.0 (self-signed, key ID ${keyId})`);
      expect(init.code).toBe(0);
      const hashes = parseLockHashes(
        await readFile(join(tf, '.terraform.lock.hcl'), 'utf8'),
        `${server.host}/acme/hello`,
      );
      expect(hashes.filter((h) => h.startsWith('zh:'))).toHaveLength(14);
    },
  );

  it('a re-run of the same tag is a no-op', { timeout: GO_BUILD_TIMEOUT }, async () => {
    const workspace = await goWorkspace();
    const run = await runAction({
      cwd: workspace,
      inputs: baseInputs({ build: 'go' }),
      env: goEnv(workspace),
    });
    expect(run.code).toBe(0);
    expect(run.log).toContain('was already published with these bytes; nothing changed');
  });
});

describe('the collect path', () => {
  it('packages a goreleaser-style dist/ and publishes it', async () => {
    const workspace = await newDir();
    await goreleaserDist(workspace, ['linux_amd64', 'darwin_arm64', 'windows_amd64'], 0, 'collected');
    const run = await runAction({
      cwd: workspace,
      inputs: baseInputs({
        provider: 'collected',
        platforms: 'linux_amd64,darwin_arm64,windows_amd64',
        artifacts: 'dist',
      }),
      repository: 'acme/terraform-provider-collected',
      ref: 'refs/tags/v1.0.0',
    });
    expect(run.log).not.toContain('::error::');
    expect(run.code).toBe(0);
    expect((await client.getVersion('acme', 'collected', '1.0.0', { report: false }))?.state).toBe('published');
  });

  it('draft: true uploads and stops before publishing; dry-run publishes nothing', async () => {
    const workspace = await newDir();
    await goreleaserDist(workspace, ['linux_amd64'], 300, 'drafted');
    const draft = await runAction({
      cwd: workspace,
      inputs: baseInputs({ provider: 'drafted', platforms: 'linux_amd64', draft: 'true' }),
    });
    expect(draft.code).toBe(0);
    expect(draft.summary).toContain('uploaded as a draft');
    expect((await client.getVersion('acme', 'drafted', '1.0.0', { report: false }))?.state).toBe('draft');
    const dryWorkspace = await newDir();
    await goreleaserDist(dryWorkspace, ['linux_amd64'], 300, 'dry');
    const dry2 = await runAction({
      cwd: dryWorkspace,
      inputs: baseInputs({ provider: 'dry', platforms: 'linux_amd64', 'dry-run': 'true' }),
    });
    expect(dry2.log).not.toContain('::error::');
    expect(dry2.code).toBe(0);
    expect(dry2.summary).toContain('validated (dry run, nothing published)');
    expect(await client.getVersion('acme', 'dry', '1.0.0')).toBeUndefined();
  });

  it('different bytes for a published version fail with a clear message', async () => {
    const workspace = await newDir();
    await goreleaserDist(workspace, ['linux_amd64', 'darwin_arm64', 'windows_amd64'], 100, 'other-bytes');
    const first = await runAction({
      cwd: workspace,
      inputs: baseInputs({ provider: 'other-bytes', platforms: 'linux_amd64,darwin_arm64,windows_amd64' }),
    });
    expect(first.code).toBe(0);
    await goreleaserDist(workspace, ['linux_amd64', 'darwin_arm64', 'windows_amd64'], 200, 'other-bytes');
    const second = await runAction({
      cwd: workspace,
      inputs: baseInputs({ provider: 'other-bytes', platforms: 'linux_amd64,darwin_arm64,windows_amd64' }),
    });
    expect(second.code).toBe(1);
    expect(second.log).toMatch(/::error::.*already published with other bytes.*Release a new version/);
  });
});

/** The log as people see it: the runner consumes `::add-mask::` lines and masks those values everywhere else. */
function unmasked(log: string): string {
  return log
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
}

describe('failures stop early, with a message that names the fix', () => {
  async function failing(inputs: Record<string, string>, options: { ref?: string } = {}) {
    const workspace = await goWorkspace();
    const run = await runAction({ cwd: workspace, inputs: baseInputs({ build: 'go', ...inputs }), ...options });
    expect(run.code).toBe(1);
    // Before the build: nothing was compiled or packaged.
    expect((await readdir(workspace)).sort()).toEqual(['go.mod', 'main.go']);
    return run.log;
  }

  // "Fails in a second, before any build": `failing` checks that nothing was compiled; a stopwatch here would
  // only measure how busy the machine is.
  it('a wrong passphrase fails in preflight', async () => {
    const log = await failing({ 'gpg-passphrase': 'not it' });
    expect(log).toMatch(/::error::The gpg-passphrase does not unlock key [0-9A-F]{16}; check the secret/);
    expect(unmasked(log)).not.toContain('not it');
  });

  it('a key terraform cannot read (RFC 9580 Ed25519) fails in preflight', async () => {
    const modern = await openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 'x' }], format: 'armored' });
    const log = await failing({ 'gpg-private-key': modern.privateKey, 'gpg-passphrase': '' });
    expect(log).toMatch(/::error::.*terraform cannot read.*make an ed25519 \(EdDSA legacy/);
  });

  it('a tag that does not match the version input fails in preflight', async () => {
    const log = await failing({ version: '1.0.1' }, { ref: 'refs/tags/v1.0.0' });
    expect(log).toMatch(
      /::error::The tag v1.0.0 is version 1.0.0, but the input version is 1.0.1; tag the commit v1.0.1/,
    );
  });

  it('a tag that is not semver fails in preflight', async () => {
    const log = await failing({}, { ref: 'refs/tags/release-7' });
    expect(log).toMatch(/::error::The tag "release-7" is not a semver version.*tag releases like v1.2.3/);
  });

  it('an unreachable registry fails in preflight', async () => {
    const log = await failing({ 'registry-url': 'https://127.0.0.1:1' });
    expect(log).toMatch(/::error::Cannot reach the registry at https:\/\/127.0.0.1:1.*Check the URL/);
  });

  it('a token for another namespace fails in preflight', async () => {
    const log = await failing({ 'registry-token': otherToken });
    expect(log).toMatch(
      /::error::The registry-token is a publish token for other; it cannot publish to acme.*signet tokens create --role publish --namespace acme/,
    );
    expect(unmasked(log)).not.toContain(otherToken);
  });

  it('a goreleaser manifest whose protocols differ from the protocols input fails before packaging', async () => {
    const workspace = await newDir();
    await goreleaserDist(workspace, ['linux_amd64'], 400, 'sdkv2');
    await writeFile(
      join(workspace, 'dist', 'terraform-provider-sdkv2_1.0.0_manifest.json'),
      '{"version":1,"metadata":{"protocol_versions":["5.0"]}}\n',
    );
    const run = await runAction({
      cwd: workspace,
      inputs: baseInputs({ provider: 'sdkv2', platforms: 'linux_amd64' }),
    });
    expect(run.code).toBe(1);
    expect(run.log).toMatch(/::error::.*declares protocols 5\.0, but the protocols input is 6\.0; set protocols: 5\.0/);
    expect(await readdir(workspace)).toEqual(['dist']);
  });

  it('a missing platform fails validation and publishes nothing', async () => {
    const workspace = await newDir();
    await goreleaserDist(workspace, ['linux_amd64', 'darwin_arm64'], 0, 'partial');
    const run = await runAction({
      cwd: workspace,
      inputs: baseInputs({ provider: 'partial', platforms: 'linux_amd64,darwin_arm64,windows_amd64' }),
    });
    expect(run.code).toBe(1);
    expect(run.log).toMatch(
      /::error::No binary or zip found for windows_amd64 .*leave it out of the platforms to release/,
    );
    expect(await client.getVersion('acme', 'partial', '1.0.0')).toBeUndefined();
  });
});

describe.skipIf(!HAS_GO)('the workflow of action/README.md', () => {
  it('run through the harness with a tag, publishes a release that terraform installs, and a GitHub release', async () => {
    // The step as the README has it; only the registry (URL and its private CA) and the secrets are this test's.
    const readme = await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const workflow = parse(/```yaml\n([\s\S]*?)```/.exec(readme)![1]!) as {
      on: { push: { tags: string[] } };
      jobs: { release: { steps: { uses?: string; with?: Record<string, string | boolean> }[] } };
    };
    expect(workflow.on.push.tags).toEqual(['v*']);
    const step = workflow.jobs.release.steps.find((s) => s.uses?.endsWith('/action@v1'))!;
    const secrets: Record<string, string> = {
      SIGNET_TOKEN: publishToken,
      GPG_PRIVATE_KEY: key.privateKeyArmored,
      GPG_PASSPHRASE: PASSPHRASE,
    };
    const inputs = Object.fromEntries(
      Object.entries(step.with!).map(([name, value]) => [
        name,
        String(value).replace(/\$\{\{ secrets\.(\w+) \}\}/g, (_, s: string) => secrets[s]!),
      ]),
    );
    inputs['registry-url'] = server.url;
    inputs['ca-file'] = server.caFile;

    const github = await startGithubStandIn();
    try {
      const workspace = await goWorkspace();
      const env = { ...goEnv(workspace), GITHUB_API_URL: github.url };
      const run = await runAction({ cwd: workspace, inputs, ref: 'refs/tags/v1.1.0', env });
      expect(run.log).not.toContain('::error::');
      expect(run.code).toBe(0);
      expect(run.outputs.version).toBe('1.1.0');

      // GitHub (stand-in): a draft first, then the 16 assets, then published, in that order.
      const uploads = github.calls.filter((c) => c.startsWith('POST /uploads/'));
      expect(github.calls[0]).toBe('GET /repos/acme/terraform-provider-hello/releases');
      expect(github.calls[1]).toBe('POST /repos/acme/terraform-provider-hello/releases');
      expect(uploads).toHaveLength(16);
      expect(github.calls.at(-1)).toBe('PATCH /repos/acme/terraform-provider-hello/releases/ID');
      expect(github.releases[0]).toMatchObject({ tag_name: 'v1.1.0', draft: false });

      // A re-run: nothing uploaded, nothing created, nothing changed.
      const before = github.calls.length;
      const again = await runAction({ cwd: workspace, inputs, ref: 'refs/tags/v1.1.0', env });
      expect(again.code).toBe(0);
      expect(github.calls.slice(before)).toEqual(['GET /repos/acme/terraform-provider-hello/releases']);

      // Other bytes for the published GitHub release fail, and its assets stay as they were.
      const assets = JSON.stringify(github.releases[0]!.assets.map((a) => a.digest));
      await writeFile(
        join(workspace, 'main.go'),
        'package main\n\nvar version string\n\nfunc main() { println("changed", version) }\n',
      );
      const changed = await runAction({
        cwd: workspace,
        inputs: { ...inputs, 'registry-url': '', 'dry-run': 'false' },
        ref: 'refs/tags/v1.1.0',
        env,
      });
      expect(changed.code).toBe(1);
      expect(changed.log).toMatch(
        /::error::The published GitHub release v1.1.0 already has .*terraform-provider-hello_1.1.0_SHA256SUMS.* with other bytes; published assets are not replaced/,
      );
      expect(JSON.stringify(github.releases[0]!.assets.map((a) => a.digest))).toBe(assets);
      expect(github.calls.filter((c) => c.startsWith('DELETE'))).toEqual([]);
    } finally {
      await github.close();
    }

    if (!HAS_TERRAFORM) return;
    const tf = await newDir();
    await writeFile(join(tf, 'main.tf'), requiredProvidersConfig(`${server.host}/acme/hello`, '1.1.0'));
    const init = await runTerraform(tf, ['init'], {
      cliConfig: '',
      env: { SSL_CERT_FILE: server.caFile, SSL_CERT_DIR: await newDir() },
    });
    expect(init.output).toMatch(/Installed localhost:\d+\/acme\/hello v1.1.0 \(self-signed, key ID [0-9A-F]{16}\)/);
  });
});
