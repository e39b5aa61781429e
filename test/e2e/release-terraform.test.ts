import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEFAULT_PLATFORMS } from '@signet/core';
import { writeExampleProject, type ExampleProject } from '@signet/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runSignet, spawnSignet } from '../helpers/cli';
import { parseLockHashes, requiredProvidersConfig, runTerraform } from '../helpers/terraform';
import { requireTool } from '../helpers/tools';

const terraform = requireTool('terraform');

let work: string;
let project: ExampleProject;
let env: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'signet-release-'));
  project = await writeExampleProject(join(work, 'project'));
  env = { SIGNET_GPG_PASSPHRASE: project.passphrase };
});
afterAll(async () => rm(work, { recursive: true, force: true }));

describe('signet release on binaries for all 13 platforms', () => {
  it('writes exactly the release files, and a second run gives byte-identical files', async () => {
    const first = await spawnSignet(['release', '-c', 'signet.yaml', '--json'], { cwd: project.dir, env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.json.ok).toBe(true);

    const expected = [
      ...DEFAULT_PLATFORMS.map((p) => `terraform-provider-hello_1.0.0_${p}.zip`),
      'terraform-provider-hello_1.0.0_SHA256SUMS',
      'terraform-provider-hello_1.0.0_SHA256SUMS.sig',
      'terraform-provider-hello_1.0.0_manifest.json',
    ].sort();
    expect((await readdir(project.distDir)).sort()).toEqual(expected);
    expect(await readFile(join(project.distDir, 'terraform-provider-hello_1.0.0_manifest.json'), 'utf8')).toBe(
      '{"version":1,"metadata":{"protocol_versions":["6.0"]}}',
    );
    const sums = await readFile(join(project.distDir, 'terraform-provider-hello_1.0.0_SHA256SUMS'), 'utf8');
    expect(sums.split('\n').filter(Boolean)).toHaveLength(14);
    expect(sums).toMatch(/^([0-9a-f]{64} {2}terraform-provider-hello_1\.0\.0_[a-z0-9_]+\.(zip|json)\n)+$/);

    const before = await snapshot(project.distDir, expected);
    const second = await runSignet(['release', '-c', 'signet.yaml', '--json'], { cwd: project.dir, env });
    expect(second.code).toBe(0);
    const after = await snapshot(project.distDir, expected);
    for (const name of expected) {
      // The signature embeds its creation time, so only it may differ between runs; the signed bytes may not.
      if (!name.endsWith('.sig')) expect(after.get(name)?.equals(before.get(name)!), name).toBe(true);
    }
  });
});

describe.skipIf(!terraform)(
  `real terraform init from a filesystem mirror of the zips${terraform ? '' : ' — SKIPPED: terraform is not on the PATH'}`,
  () => {
    it("installs the provider, and the lock file's h1: equals signet validate --json", async () => {
      const report = await runSignet(['validate', 'dist', '--key', 'public.asc', '--json'], { cwd: project.dir });
      expect(report.code).toBe(0);
      const linux = report.json.platforms.find((p: { platform: string }) => p.platform === 'linux_amd64');
      expect(linux.h1).toMatch(/^h1:[A-Za-z0-9+/]{43}=$/);

      const mirror = join(work, 'mirror', 'localhost', 'acme', 'hello');
      await mkdir(mirror, { recursive: true });
      for (const p of report.json.platforms as { fileName: string }[]) {
        await copyFile(join(project.distDir, p.fileName), join(mirror, p.fileName));
      }
      const root = join(work, 'root');
      await mkdir(root);
      await writeFile(join(root, 'main.tf'), requiredProvidersConfig('localhost/acme/hello', '1.0.0'));
      const cliConfig = `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(join(work, 'mirror'))}\n  }\n}\n`;
      const init = await runTerraform(root, ['init', '-input=false'], { cliConfig });
      expect(init.output).toContain('Installed localhost/acme/hello v1.0.0');
      expect(init.code).toBe(0);

      const lock = await readFile(join(root, '.terraform.lock.hcl'), 'utf8');
      expect(parseLockHashes(lock, 'localhost/acme/hello')).toEqual([linux.h1]);
      const installed = join(root, '.terraform/providers/localhost/acme/hello/1.0.0/linux_amd64');
      expect(await readdir(installed)).toEqual(['terraform-provider-hello_v1.0.0']);
    });
  },
);

async function snapshot(dir: string, names: string[]): Promise<Map<string, Buffer>> {
  return new Map(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n))] as const)));
}
