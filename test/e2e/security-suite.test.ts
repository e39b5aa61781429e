// issue 8's acceptance against one real `signet serve` over HTTPS: the attacks of every class the security/
// suites name (aliased names, object-property file names, uploads racing a publish, forged bytes on a published
// version, oversized small files, bogus platforms, private-namespace probing, re-encoded signatures, aborted
// uploads) are sent as an attacker would send them. Every one gets a 4xx, nothing stored changes, and afterwards
// the real terraform still installs the release that was published before the attacks.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRegistryClient, type RegistryClient } from '@signet/client';
import { buildExampleRelease, type ExampleRelease } from '@signet/registry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runSignet } from '../helpers/cli';
import { rawRequest, type RawRequestOptions, type RawResponse } from '../helpers/https-request';
import { startSignetServe, type SignetServer } from '../helpers/registry';
import { requiredProvidersConfig, runTerraform } from '../helpers/terraform';
import { requireTool } from '../helpers/tools';

const terraform = requireTool('terraform');

let work: string;
let server: SignetServer;
let admin: RegistryClient;
let ca: string;
let release: ExampleRelease;
let readToken: string;
/** A read token of another namespace: authenticated, without rights on `secret`. */
let otherToken: string;

const ZIP = 'terraform-provider-hello_1.0.0_linux_amd64.zip';
const SUMS = 'terraform-provider-hello_1.0.0_SHA256SUMS';
const PLATFORMS = ['linux_amd64', 'darwin_arm64', 'windows_amd64'];

function send(options: RawRequestOptions & { token?: string | null }): Promise<RawResponse> {
  const token = options.token === undefined ? server.adminToken : options.token;
  return rawRequest(server.url, ca, {
    ...options,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...options.headers },
  });
}

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * What a user of the registry can observe of the published releases: the management view of every version with
 * its files, and every read-side document and file byte terraform fetches (public and private namespaces).
 */
async function snapshot(): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {};
  for (const ns of ['acme', 'secret']) {
    const versions = await send({ method: 'GET', path: `/api/v1/providers/${ns}/hello/versions` });
    state[`${ns} versions (api)`] = versions.json;
    const read = await send({ method: 'GET', path: `/v1/providers/${ns}/hello/versions`, token: readToken });
    state[`${ns} versions`] = read.text;
    for (const platform of PLATFORMS) {
      const [os, arch] = platform.split('_');
      const download = await send({
        method: 'GET',
        path: `/v1/providers/${ns}/hello/1.0.0/download/${os}/${arch}`,
        token: readToken,
      });
      expect(download.status).toBe(200);
      const json = download.json as { download_url: string; shasums_url: string; shasums_signature_url: string };
      // Private URLs carry a fresh expiry; what must not change is what they lead to.
      for (const url of [json.download_url, json.shasums_url, json.shasums_signature_url]) {
        const target = new URL(url, server.url);
        const file = await send({ method: 'GET', path: target.pathname + target.search, token: null });
        expect(file.status, url).toBe(200);
        state[`${ns} ${target.pathname}`] = sha256(file.body);
      }
      state[`${ns} ${platform} shasum`] = (download.json as { shasum: string }).shasum;
    }
  }
  state['acme mirror index'] = (await send({ method: 'GET', path: '/mirror/localhost/acme/hello/index.json' })).text;
  state['acme mirror 1.0.0'] = (await send({ method: 'GET', path: '/mirror/localhost/acme/hello/1.0.0.json' })).text;
  return state;
}

interface Attack {
  name: string;
  request: RawRequestOptions & { token?: string | null };
  /** The statuses a careful registry may answer; every one is a 4xx. */
  status: number[];
}

const NOT_FOUND = [404];
const BAD = [400, 404];

function attacks(): Attack[] {
  const get = (path: string, token: string | null = null): Attack['request'] => ({ method: 'GET', path, token });
  return [
    // Names are checked before anything else (item 2).
    {
      name: 'NUL alias of a namespace',
      request: get('/v1/providers/acme%00anything/hello/versions'),
      status: NOT_FOUND,
    },
    { name: 'NUL alias of a type', request: get('/v1/providers/acme/hello%00x/versions'), status: NOT_FOUND },
    { name: 'two dashes', request: get('/v1/providers/ac--me/hello/versions'), status: NOT_FOUND },
    { name: 'punycode label', request: get('/v1/providers/xn--acme/hello/versions'), status: NOT_FOUND },
    { name: 'terraform- type', request: get('/v1/providers/acme/terraform-provider-x/versions'), status: NOT_FOUND },
    { name: 'upper-case alias', request: get('/v1/providers/ACME/hello/versions'), status: NOT_FOUND },
    {
      name: 'NUL in a version',
      request: get('/v1/providers/acme/hello/1.0.0%00/download/linux/amd64'),
      status: NOT_FOUND,
    },
    {
      name: 'NUL in a mirror namespace',
      request: get('/mirror/localhost/acme%00x/hello/index.json'),
      status: NOT_FOUND,
    },
    { name: 'NUL in a file path', request: get(`/v1/files/acme%00x/hello/1.0.0/${ZIP}`), status: NOT_FOUND },
    {
      name: 'management lookup of an alias',
      request: get('/api/v1/namespaces/acme%00x', server.adminToken),
      status: BAD,
    },
    {
      name: 'namespace terraform refuses',
      request: {
        method: 'POST',
        path: '/api/v1/namespaces',
        body: JSON.stringify({ name: 'xn--acme' }),
        headers: { 'content-type': 'application/json' },
      },
      status: [400],
    },
    {
      name: 'type terraform refuses',
      request: {
        method: 'POST',
        path: '/api/v1/namespaces/acme/providers',
        body: JSON.stringify({ type: 'terraform-provider-x' }),
        headers: { 'content-type': 'application/json' },
      },
      status: [400],
    },
    {
      name: 'NUL in a token name',
      request: {
        method: 'POST',
        path: '/api/v1/tokens',
        body: JSON.stringify({ name: 'ci\u0000evil', role: 'read', namespaces: ['acme'] }),
        headers: { 'content-type': 'application/json' },
      },
      status: [400],
    },
    {
      name: 'control character in a deprecation message',
      request: {
        method: 'POST',
        path: '/api/v1/providers/acme/hello/versions/1.0.0/deprecate',
        body: JSON.stringify({ message: 'use 2.0\u0000 instead' }),
        headers: { 'content-type': 'application/json' },
      },
      status: [400],
    },
    // Object property names are not file names (item 3).
    ...['constructor', '__proto__', 'hasOwnProperty', 'toString'].flatMap((prop) => [
      { name: `file ${prop}`, request: get(`/v1/files/acme/hello/1.0.0/${prop}`), status: NOT_FOUND },
      {
        name: `HEAD of file ${prop}`,
        request: { method: 'HEAD', path: `/v1/files/acme/hello/1.0.0/${prop}`, token: null },
        status: NOT_FOUND,
      },
      { name: `mirror ${prop}.json`, request: get(`/mirror/localhost/acme/hello/${prop}.json`), status: NOT_FOUND },
      {
        name: `download ${prop}`,
        request: get(`/v1/providers/acme/hello/1.0.0/download/${prop}/amd64`),
        status: NOT_FOUND,
      },
    ]),
    // Uploads to a published version read the body (item 5).
    {
      name: 'forged bytes under the published checksum',
      request: {
        method: 'PUT',
        path: `/api/v1/providers/acme/hello/versions/1.0.0/files/${SUMS}`,
        body: 'not the published SHA256SUMS\n',
        headers: { 'content-type': 'application/octet-stream', 'x-checksum-sha256': '' },
      },
      status: [409, 422],
    },
    // Uploads with names of no real platform or of absurd length are refused at once (item 7).
    {
      name: 'a platform that does not exist',
      request: {
        method: 'PUT',
        path: '/api/v1/providers/acme/scratch/versions/2.0.0/files/terraform-provider-scratch_2.0.0_plan9_amd64.zip',
        body: 'PK',
        headers: { 'content-type': 'application/octet-stream' },
      },
      status: [400],
    },
    {
      name: 'an absurdly long file name',
      request: {
        method: 'PUT',
        path: `/api/v1/providers/acme/scratch/versions/2.0.0/files/terraform-provider-scratch_2.0.0_${'x'.repeat(4000)}_amd64.zip`,
        body: 'PK',
        headers: { 'content-type': 'application/octet-stream' },
      },
      status: [400, 414],
    },
    {
      name: 'a SHA256SUMS larger than any real one',
      request: {
        method: 'PUT',
        path: '/api/v1/providers/acme/scratch/versions/2.0.0/files/terraform-provider-scratch_2.0.0_SHA256SUMS',
        body: Buffer.alloc(8 * 2 ** 20, 'a'),
        headers: { 'content-type': 'application/octet-stream' },
      },
      status: [413],
    },
    {
      name: 'deleting a published file',
      request: { method: 'DELETE', path: `/api/v1/providers/acme/hello/versions/1.0.0/files/${ZIP}` },
      status: [409],
    },
    // Private namespaces reveal nothing without read rights (item 8).
    ...(
      [
        ['an existing provider', '/v1/providers/secret/hello/versions'],
        ['an unknown provider', '/v1/providers/secret/nope/versions'],
        ['an existing download', '/v1/providers/secret/hello/1.0.0/download/linux/amd64'],
        ['an unknown version', '/v1/providers/secret/hello/9.9.9/download/linux/amd64'],
        ['an existing file', `/v1/files/secret/hello/1.0.0/${ZIP}`],
        ['an unknown file', '/v1/files/secret/hello/1.0.0/terraform-provider-hello_1.0.0_linux_386.zip'],
        ['an existing mirror document', '/mirror/localhost/secret/hello/1.0.0.json'],
        ['an unknown mirror document', '/mirror/localhost/secret/nope/index.json'],
      ] as const
    ).flatMap(([what, path]) => [
      { name: `private: ${what} without a token`, request: get(path), status: [401] },
      { name: `private: ${what} with another namespace's token`, request: get(path, otherToken), status: [403] },
    ]),
    // Signed URLs compare canonically (item 9): added by the test, from a real signed URL.
  ];
}

describe.skipIf(!terraform)(
  `the security suite against one real signet serve, then terraform init${terraform ? '' : ' — SKIPPED: terraform is not on the PATH'}`,
  () => {
    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'signet-security-'));
      [server, release] = await Promise.all([
        startSignetServe({ dataDir: join(work, 'data') }),
        buildExampleRelease(join(work, 'hello')),
      ]);
      ca = await readFile(server.caFile, 'utf8');
      admin = await createRegistryClient({ url: server.url, token: server.adminToken, caFile: server.caFile });
      await admin.createNamespace({ name: 'secret', visibility: 'private' });
      for (const namespace of ['acme', 'secret']) {
        const run = await runSignet(
          [
            'publish',
            release.distDir,
            '--registry',
            server.url,
            '--namespace',
            namespace,
            '--key',
            release.project.publicKeyPath,
            '--ca-file',
            server.caFile,
          ],
          { cwd: work, env: { SIGNET_TOKEN: server.adminToken } },
        );
        if (run.code !== 0) throw new Error(`signet publish to ${namespace} failed:\n${run.stdout}${run.stderr}`);
      }
      await admin.createNamespace({ name: 'other', visibility: 'private' });
      readToken = (await admin.createToken({ name: 'reader', role: 'read', namespaces: ['acme', 'secret'] })).token;
      otherToken = (await admin.createToken({ name: 'other', role: 'read', namespaces: ['other'] })).token;
      await admin.createProvider('acme', 'scratch');
      await admin.createVersion('acme', 'scratch', { version: '2.0.0', protocols: ['6.0'], key_id: release.keyId });
    });

    afterAll(async () => {
      await admin?.close();
      await server?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('answers every attack with a 4xx, changes nothing stored, and terraform init still installs the release', async () => {
      const before = await snapshot();

      const list = attacks();
      // The published checksum of SHA256SUMS, announced with other bytes.
      const published = await send({ method: 'GET', path: '/api/v1/providers/acme/hello/versions/1.0.0?report=false' });
      const sums = (published.json as { files: { file_name: string; sha256: string }[] }).files.find(
        (f) => f.file_name === SUMS,
      );
      expect(sums).toBeDefined();
      for (const attack of list) {
        if (attack.request.headers?.['x-checksum-sha256'] === '')
          attack.request.headers['x-checksum-sha256'] = sums!.sha256;
      }
      // A real signed URL of the private namespace, re-encoded in ways that must not verify.
      const download = await send({
        method: 'GET',
        path: '/v1/providers/secret/hello/1.0.0/download/linux/amd64',
        token: readToken,
      });
      const url = new URL((download.json as { download_url: string }).download_url, server.url);
      const signature = url.searchParams.get('signature')!;
      const standard = Buffer.from(signature, 'base64url').toString('base64');
      for (const variant of [`${signature}=`, `${signature}!`, standard, standard.replace(/=+$/, '')]) {
        if (variant === signature) continue;
        const forged = `${url.pathname}?expires=${url.searchParams.get('expires')}&signature=${encodeURIComponent(variant)}`;
        list.push({
          name: `signed URL re-encoded as ${JSON.stringify(variant)}`,
          request: { method: 'GET', path: forged, token: null },
          status: [401],
        });
      }
      // The genuine signed URL works, so the refusals above are about the encoding alone.
      expect((await send({ method: 'GET', path: url.pathname + url.search, token: null })).status).toBe(200);

      const answers: Record<string, number> = {};
      for (const attack of list) answers[attack.name] = (await send(attack.request)).status;
      const expected = Object.fromEntries(
        list.map((a) => [a.name, a.status.includes(answers[a.name]!) ? answers[a.name] : a.status]),
      );
      expect(answers).toEqual(expected);

      // An upload cut off mid-way is the client's doing: no server failure in the log.
      const controller = new AbortController();
      const body = (function* () {
        yield Buffer.alloc(2 ** 20);
        controller.abort();
      })();
      await send({
        method: 'PUT',
        path: '/api/v1/providers/acme/scratch/versions/2.0.0/files/terraform-provider-scratch_2.0.0_linux_amd64.zip',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(64 * 2 ** 20) },
        body,
        signal: controller.signal,
      }).catch(() => undefined);

      expect(await snapshot()).toEqual(before);
      expect(server.stderr()).not.toMatch(/\n\s+at /);

      const dir = join(work, 'tf');
      const emptyCertDir = join(work, 'empty-cert-dir');
      await Promise.all([mkdir(dir), mkdir(emptyCertDir)]);
      await writeFile(join(dir, 'main.tf'), requiredProvidersConfig(`${server.host}/acme/hello`, '1.0.0'));
      const run = await runTerraform(dir, ['init', '-input=false'], {
        cliConfig: '',
        env: { SSL_CERT_FILE: server.caFile, SSL_CERT_DIR: emptyCertDir },
      });
      expect(run.output).toContain(
        `- Installed ${server.host}/acme/hello v1.0.0 (self-signed, key ID ${release.keyId})`,
      );
      expect(run.code).toBe(0);
    });
  },
);
