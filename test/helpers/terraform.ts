import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface TerraformRun {
  code: number;
  output: string;
}

/**
 * Runs the real terraform in `dir` the way terraform-protocol.md measured it: no checkpoint calls, a private
 * CLI config and HOME, no plugin cache, colour off.
 */
export async function runTerraform(
  dir: string,
  args: string[],
  options: { cliConfig: string; env?: Record<string, string> },
): Promise<TerraformRun> {
  const home = join(dir, '.home');
  await mkdir(home, { recursive: true });
  const configFile = join(dir, '.terraformrc');
  await writeFile(configFile, options.cliConfig);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    CHECKPOINT_DISABLE: '1',
    TF_CLI_CONFIG_FILE: configFile,
    TF_IN_AUTOMATION: '1',
    ...options.env,
  };
  try {
    const { stdout, stderr } = await promisify(execFile)('terraform', [...args, '-no-color'], { cwd: dir, env });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

/** A root module that requires one provider at an exact version. */
export function requiredProvidersConfig(source: string, version: string): string {
  return `terraform {
  required_providers {
    hello = {
      source  = ${JSON.stringify(source)}
      version = ${JSON.stringify(version)}
    }
  }
}
`;
}

/** The `hashes` of one provider block of a .terraform.lock.hcl. */
export function parseLockHashes(lock: string, source: string): string[] {
  const block = lock.split(`provider "${source}"`)[1]?.split(/\n}\n/)[0] ?? '';
  return [...block.matchAll(/"((?:h1|zh):[^"]+)"/g)].map((m) => m[1]!);
}
