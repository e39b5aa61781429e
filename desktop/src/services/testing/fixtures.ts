// Test fixtures for the services: real services on a temporary data folder, called through dispatch exactly as
// IPC and browser mode call them, and provider inputs as an author has them (os_arch folders of binaries).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createFakeExecutable } from '@signet/core/testing';

import type { Channel, ChannelInput, ChannelResults, Result } from '../../shared/api';
import { createServices, type Services } from '../create-services';
import { createSecretStore } from '../secret-store';
import { dispatch } from '../dispatch';
import type { SecretVault } from '../secret-vault';
import { createTestVault } from './test-vault';

export interface TestServices {
  dir: string;
  dataDir: string;
  vault: SecretVault;
  services: Services;
  /** Every log line the services wrote. */
  logs: string[];
  call<C extends Channel>(
    channel: C,
    input: ChannelInput<C> | Record<string, unknown>,
  ): Promise<Result<ChannelResults[C]>>;
  /** The value of a call that must succeed (the envelope's error otherwise fails the test). */
  ok<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<ChannelResults[C]>;
  /** Closes these services and opens new ones on the same data folder (an app restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function createTestServices(options: { vault?: SecretVault; dir?: string } = {}): Promise<TestServices> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'signet-desktop-')));
  const dataDir = join(dir, 'data');
  const vault = options.vault ?? createTestVault();
  const logs: string[] = [];
  const open = () =>
    createServices({ dataDir, vault, mode: 'browser', log: (level, message) => logs.push(`${level}: ${message}`) });
  const test: TestServices = {
    dir,
    dataDir,
    vault,
    services: await open(),
    logs,
    call: (channel, input) => dispatch(test.services.handlers, channel, input, test.services.log),
    async ok(channel, input) {
      const result = await test.call(channel, input);
      if (!result.ok) throw new Error(`${channel} failed: ${result.error.code}: ${result.error.message}`);
      return result.value;
    },
    async restart() {
      await test.services.close();
      test.services = await open();
    },
    async close() {
      await test.services.close();
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
  return test;
}

/** Stand-in binaries in the seed layout: `DIR/os_arch/NAME_vVERSION[.exe]`. */
export async function writeProviderBinaries(
  dir: string,
  platforms: readonly string[] = ['darwin_arm64', 'linux_amd64', 'windows_amd64'],
  options: { name?: string; version?: string; size?: number } = {},
): Promise<string> {
  const name = options.name ?? 'hello';
  const version = options.version ?? '1.0.0';
  for (const [index, platform] of platforms.entries()) {
    await mkdir(join(dir, platform), { recursive: true });
    const file = `${name}_v${version}${platform.startsWith('windows') ? '.exe' : ''}`;
    await writeFile(join(dir, platform, file), createFakeExecutable(platform, options.size ?? 8192, index));
  }
  return dir;
}

/** Key generation input with Ed25519 (fast; RSA 4096 is tested once, in keys.test.ts). */
export function ed25519Key(passphrase = 'correct horse battery staple', name = 'Desktop Test') {
  return {
    name,
    email: 'desktop@example.com',
    expires: '2y',
    passphrase,
    confirmPassphrase: passphrase,
    algorithm: 'ed25519' as const,
  };
}

/** The local registry's admin token, as a script on this machine would read it from the data folder. */
export async function readLocalAdminToken(t: TestServices): Promise<string> {
  const token = await createSecretStore(join(t.dataDir, 'registry'), t.vault).get('local-admin-token');
  if (token === undefined) throw new Error('The local registry has no admin token yet; start it first.');
  return token;
}
