// Test support for the registry and for the end-to-end suites: a signed example release and a registry app on
// a temporary data folder. Imported as `@signet/registry/testing`; never by production code.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { decryptPrivateKey, inspectKey } from '@signet/core';
import { packageRelease, readReleaseFiles, signRelease, type ReleaseFile } from '@signet/core/node';
import { writeExampleProject, type ExampleProject, type ExampleProjectOptions } from '@signet/core/testing';

import { createRegistryApp, type RegistryApp, type RegistryAppOptions } from '../app';
import { openFsBlobStore } from '../storage/fs-blob-store';
import type { BlobStore } from '../storage/blob-store';
import type { MetadataStore } from '../storage/metadata-store';
import { openSqliteMetadataStore } from '../storage/sqlite-metadata-store';

// Storage contract suites: every backend runs the same one, with the capabilities it declares
export {
  examplePreparedDocument,
  runMetadataStoreContract,
  type MetadataStoreCapabilities,
  type MetadataStoreContractOptions,
  type MetadataStoreSubject,
} from '../storage/contract/metadata-store-contract';
export {
  describeBlobStoreContract as runBlobStoreContract,
  type BlobStoreBackend,
  type BlobStoreCapabilities,
  type BlobStoreContractOptions,
} from '../storage/contract/blob-store-contract';

// Real servers for tests
export { postgresUnavailableReason, startPostgres, type PostgresServer, type StartPostgresOptions } from './postgres';

export interface ExampleRelease {
  project: ExampleProject;
  name: string;
  version: string;
  distDir: string;
  files: ReleaseFile[];
  keyId: string;
  publicKeyArmored: string;
}

/** Packages and signs the example provider (stand-in binaries, a fresh key) into `dir/dist`. */
export async function buildExampleRelease(
  dir: string,
  options: ExampleProjectOptions & { protocols?: string[] } = {},
): Promise<ExampleRelease> {
  const name = options.name ?? 'hello';
  const version = options.version ?? '1.0.0';
  const project = await writeExampleProject(dir, {
    platforms: ['linux_amd64', 'darwin_arm64', 'windows_amd64'],
    binarySize: 16 * 1024,
    ...options,
  });
  await packageRelease({
    name,
    version,
    protocols: options.protocols ?? ['6.0'],
    inputs: [{ path: join(dir, 'bin') }],
    outDir: project.distDir,
  });
  const key = await decryptPrivateKey(await readFile(project.privateKeyPath), project.passphrase);
  await signRelease(await readReleaseFiles([project.distDir]), key);
  const { keyId } = await inspectKey(project.publicKeyArmored);
  return {
    project,
    name,
    version,
    distDir: project.distDir,
    files: await readReleaseFiles([project.distDir]),
    keyId,
    publicKeyArmored: project.publicKeyArmored,
  };
}

export interface TestRegistry {
  app: RegistryApp;
  metadata: MetadataStore;
  blobs: BlobStore;
  adminToken: string;
  close(): Promise<void>;
}

export const TEST_ADMIN_TOKEN = 'signet_test-admin-token';

/** A registry app on the embedded stores under `dataDir`, with `TEST_ADMIN_TOKEN` as its admin token. */
export async function openTestRegistry(
  dataDir: string,
  options: Partial<RegistryAppOptions> = {},
): Promise<TestRegistry> {
  const metadata = await openSqliteMetadataStore({ path: join(dataDir, 'signet.db') });
  const blobs = await openFsBlobStore({ dataDir });
  const app = createRegistryApp({ metadata, blobs, adminToken: TEST_ADMIN_TOKEN, ...options });
  return { app, metadata, blobs, adminToken: TEST_ADMIN_TOKEN, close: () => metadata.close() };
}
