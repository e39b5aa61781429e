import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { generateKey } from '../key-generate';
import { DEFAULT_PLATFORMS } from '../platforms';
import { createFakeExecutable } from './fake-executable';

export interface ExampleProjectOptions {
  name?: string;
  version?: string;
  platforms?: readonly string[];
  /** Size of each stand-in binary in bytes. */
  binarySize?: number;
  passphrase?: string;
  algorithm?: 'rsa4096' | 'ed25519';
}

export interface ExampleProject {
  dir: string;
  configPath: string;
  privateKeyPath: string;
  publicKeyPath: string;
  publicKeyArmored: string;
  passphrase: string;
  distDir: string;
}

/**
 * Writes a provider project as an author would have it: binaries in the seed layout
 * (`linux_amd64/hello_v1.0.0`), a fresh key, and a signet.yaml. Used by the demo and the end-to-end tests.
 */
export async function writeExampleProject(dir: string, options: ExampleProjectOptions = {}): Promise<ExampleProject> {
  const name = options.name ?? 'hello';
  const version = options.version ?? '1.0.0';
  const passphrase = options.passphrase ?? 'correct horse battery staple';
  const platforms = options.platforms ?? DEFAULT_PLATFORMS;
  const files: string[] = [];
  for (const [index, platform] of platforms.entries()) {
    const file = join('bin', platform, `${name}_v${version}${platform.startsWith('windows') ? '.exe' : ''}`);
    await mkdir(join(dir, 'bin', platform), { recursive: true });
    await writeFile(join(dir, file), createFakeExecutable(platform, options.binarySize ?? 64 * 1024, index), {
      mode: 0o755,
    });
    files.push(file);
  }
  const key = await generateKey({
    name: 'Signet Example',
    email: 'example@example.com',
    algorithm: options.algorithm ?? 'ed25519',
    passphrase,
  });
  const privateKeyPath = join(dir, 'private.asc');
  const publicKeyPath = join(dir, 'public.asc');
  await writeFile(privateKeyPath, key.privateKeyArmored, { mode: 0o600 });
  await writeFile(publicKeyPath, key.publicKeyArmored);
  const configPath = join(dir, 'signet.yaml');
  await writeFile(
    configPath,
    `namespace: acme
provider:
  name: ${name}
  version: ${version}
  gpg_key: ./private.asc
  protocols: ["6.0"]
  files:
${files.map((f) => `    - ${f}`).join('\n')}
`,
  );
  return {
    dir,
    configPath,
    privateKeyPath,
    publicKeyPath,
    publicKeyArmored: key.publicKeyArmored,
    passphrase,
    distDir: join(dir, 'dist'),
  };
}
