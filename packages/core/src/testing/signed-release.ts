import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { decryptPrivateKey } from '../keys';
import { packageRelease } from '../package';
import { readReleaseFiles, type ReleaseFile } from '../release-files';
import { signRelease } from '../sign-release';
import { writeExampleProject, type ExampleProject, type ExampleProjectOptions } from './example-project';

/** A packaged and signed example release: its files in `project.distDir` and the public key that verifies it. */
export interface SignedRelease {
  project: ExampleProject;
  files: ReleaseFile[];
  publicKeyArmored: string;
}

/** Writes the example project under `dir`, packages it for protocol 6.0 and signs it (a fresh Ed25519 key). */
export async function writeSignedRelease(dir: string, options: ExampleProjectOptions = {}): Promise<SignedRelease> {
  const project = await writeExampleProject(dir, { binarySize: 16 * 1024, ...options });
  await packageRelease({
    name: options.name ?? 'hello',
    version: options.version ?? '1.0.0',
    protocols: ['6.0'],
    inputs: [{ path: join(dir, 'bin') }],
    outDir: project.distDir,
  });
  const key = await decryptPrivateKey(await readFile(project.privateKeyPath), project.passphrase);
  await signRelease(await readReleaseFiles([project.distDir]), key);
  return { project, files: await readReleaseFiles([project.distDir]), publicKeyArmored: project.publicKeyArmored };
}
