import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { createRegistryClient } from '@signet/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { LocalRegistryStatus } from '../shared/api';
import { createTestServices, readLocalAdminToken, type TestServices } from './testing/fixtures';
import { createTestVault } from './testing/test-vault';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('registries', () => {
  let t: TestServices;
  let local: LocalRegistryStatus;
  let admin: string;

  beforeAll(async () => {
    t = await createTestServices();
    local = await t.ok('localStart', {});
    admin = await readLocalAdminToken(t);
  });
  afterAll(() => t.close());

  const add = async (input: { token?: string; caFile?: string; url?: string }) =>
    (await t.ok('registriesAdd', { url: input.url ?? local.url ?? '', ...input })).id;

  it('lists the built-in Local registry first, with its URL, admin token and CA', async () => {
    const [first] = await t.ok('registriesList', {});
    expect(first).toEqual({
      id: 'local',
      name: 'Local',
      url: local.url,
      builtIn: true,
      hasToken: true,
      tokenStorage: 'safeStorage',
      caFile: local.caFile,
    });
    expect(await t.ok('registriesTest', { registryId: 'local' })).toMatchObject({ ok: true, problem: null });
    expect(await t.call('registriesRemove', { registryId: 'local' })).toMatchObject({
      ok: false,
      error: { code: 'UNSUPPORTED' },
    });
  });

  it('names what is wrong: TLS, token rights, unreachable, not a registry', async () => {
    const tlsId = await add({ token: admin, url: `${local.url}/` });
    const tls = await t.ok('registriesTest', { registryId: tlsId });
    expect(tls).toMatchObject({ ok: false, problem: 'tls' });
    expect(tls.message).toMatch(/certificate/i);

    const caFile = local.caFile ?? '';
    const wrongToken = await t.ok('registriesTest', {
      registryId: await add({ token: 'signet_not-a-token', caFile, url: `https://127.0.0.1:${local.port}` }),
    });
    expect(wrongToken).toMatchObject({ ok: false, problem: 'token' });

    const unreachableServer = createServer();
    const closedPort = await listen(unreachableServer);
    await new Promise((resolve) => unreachableServer.close(resolve));
    const unreachable = await t.ok('registriesTest', {
      registryId: await add({ url: `https://127.0.0.1:${closedPort}` }),
    });
    expect(unreachable).toMatchObject({ ok: false, problem: 'unreachable' });

    const web = createServer((_request, response) =>
      response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>no</h1>'),
    );
    const webPort = await listen(web);
    try {
      const notRegistry = await t.ok('registriesTest', {
        registryId: await add({ url: `http://127.0.0.1:${webPort}` }),
      });
      expect(notRegistry).toMatchObject({ ok: false, problem: 'not-a-registry' });
    } finally {
      await new Promise((resolve) => web.close(resolve));
    }

    // The same URL again, now with its CA: it must be removed first.
    await t.ok('registriesRemove', { registryId: tlsId });
    const good = await t.ok('registriesTest', {
      registryId: await add({ token: admin, caFile, url: local.url ?? '' }),
    });
    expect(good).toMatchObject({ ok: true, problem: null });
  });

  it('seals tokens with the vault and keeps none in settings.json', async () => {
    const view = await t.ok('registriesAdd', { url: 'https://registry.example.com', token: 'signet_secret-one' });
    expect(view).toMatchObject({ name: 'registry.example.com', hasToken: true, tokenStorage: 'safeStorage' });
    expect(await readFile(join(t.dataDir, 'settings.json'), 'utf8')).not.toContain('signet_secret-one');
    const sealed = await readFile(join(t.dataDir, 'secrets', `registry-${view.id}-token.sealed`));
    expect(sealed.includes(Buffer.from('signet_secret-one'))).toBe(false);
    expect(await t.call('registriesAdd', { url: 'https://registry.example.com/' })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    expect(await t.ok('registriesRemove', { registryId: view.id })).toEqual({ removed: true });
    expect(await readdir(join(t.dataDir, 'secrets'))).not.toContain(`registry-${view.id}-token.sealed`);
  });

  it('refuses a token on basic_text unless plain storage is accepted, and then says plain', async () => {
    const basic = await createTestServices({ vault: createTestVault('basic_text') });
    try {
      const refused = await basic.call('registriesAdd', { url: 'https://r.example.com', token: 'signet_plain' });
      expect(refused).toMatchObject({ ok: false, error: { code: 'SECRET_STORAGE_UNAVAILABLE' } });
      expect(!refused.ok && refused.error.message).toMatch(/basic_text/);
      expect((await basic.ok('registriesList', {})).length).toBe(1);
      const plain = await basic.ok('registriesAdd', {
        url: 'https://r.example.com',
        token: 'signet_plain',
        allowPlainToken: true,
      });
      expect(plain).toMatchObject({ hasToken: true, tokenStorage: 'plain' });
      expect(await readFile(join(basic.dataDir, 'settings.json'), 'utf8')).not.toContain('signet_plain');
      // The local registry's admin token has no vault either: a 0600 file in the registry's data folder.
      await basic.ok('localStart', {});
      const [localRow] = await basic.ok('registriesList', {});
      expect(localRow).toMatchObject({ id: 'local', tokenStorage: 'plain' });
      expect(await readdir(join(basic.dataDir, 'registry'))).toContain('local-admin-token.plain');
    } finally {
      await basic.close();
    }
  });

  it('adds a credentials block with a read-only token (not the admin one) once a namespace is private', async () => {
    expect((await t.ok('localStatus', {})).cliConfiguration).not.toContain('credentials');
    const client = await createRegistryClient({
      url: local.url ?? '',
      token: admin,
      caFile: local.caFile ?? undefined,
    });
    try {
      await client.createNamespace({ name: 'secret-team', visibility: 'private' });
    } finally {
      await client.close();
    }
    const status = await t.ok('localStatus', {});
    const token = /credentials "localhost:\d+" \{\n {2}token = "([^"]+)"\n\}/.exec(status.cliConfiguration)?.[1];
    expect(token).toBeDefined();
    expect(token).not.toBe(admin);
    const reader = await createRegistryClient({ url: local.url ?? '', token, caFile: local.caFile ?? undefined });
    try {
      expect(await reader.whoami()).toMatchObject({ role: 'read', namespaces: ['secret-team'] });
    } finally {
      await reader.close();
    }
    expect((await t.ok('localStatus', {})).cliConfiguration).toContain(token);
    expect(status.environment).toBe(`export SSL_CERT_FILE=${local.caFile}\n`);
  });
});
