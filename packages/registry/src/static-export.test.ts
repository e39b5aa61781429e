import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { exportStaticRegistry, type ExportStaticResult } from './static-export';
import { FS_SINK_STATE_FILE } from './static-export-fs-sink';
import { buildExampleRelease, openTestRegistry, type ExampleRelease, type TestRegistry } from './testing';

const dirs: string[] = [];
async function newDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-static-'));
  dirs.push(dir);
  return dir;
}

/** A registry built through the management API, the way an operator builds one. */
async function openRegistry(): Promise<TestRegistry & { dataDir: string; call: typeof call; api: typeof call }> {
  const dataDir = await newDir();
  const registry = await openTestRegistry(dataDir);
  const call = async (
    method: string,
    path: string,
    json?: unknown,
    bytes?: Uint8Array,
    token = registry.adminToken,
  ) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (json !== undefined) headers['content-type'] = 'application/json';
    const body = bytes ?? (json === undefined ? undefined : JSON.stringify(json));
    return registry.app.request(path, { method, headers, body });
  };
  const api = async (...args: Parameters<typeof call>) => {
    const res = await call(...args);
    if (res.status >= 300) throw new Error(`${args[0]} ${args[1]}: ${res.status} ${await res.text()}`);
    return res;
  };
  return { ...registry, dataDir, call, api };
}

async function addRelease(
  registry: Awaited<ReturnType<typeof openRegistry>>,
  ns: string,
  release: ExampleRelease,
  options: { publish?: boolean } = {},
) {
  const { api } = registry;
  await api('POST', `/api/v1/namespaces/${ns}/keys`, { ascii_armor: release.publicKeyArmored });
  const versions = `/api/v1/providers/${ns}/${release.name}/versions`;
  await api('POST', versions, { version: release.version, protocols: ['6'], key_id: release.keyId });
  for (const file of release.files) {
    await api('PUT', `${versions}/${release.version}/files/${file.fileName}`, undefined, await readFile(file.path));
  }
  if (options.publish !== false) await api('POST', `${versions}/${release.version}/publish`);
}

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(join(root, prefix), { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? listFiles(root, `${prefix}${e.name}/`) : Promise.resolve([`${prefix}${e.name}`]),
    ),
  );
  return nested.flat().sort();
}

const MIRROR_HOST = 'registry.example.com';
let registry: Awaited<ReturnType<typeof openRegistry>>;
let out: string;
let first: ExportStaticResult;
let exported: string[];

beforeAll(async () => {
  registry = await openRegistry();
  const work = await newDir();
  const [v100, v110, v120, v200, secret] = await Promise.all([
    buildExampleRelease(join(work, '100')),
    buildExampleRelease(join(work, '110'), { version: '1.1.0' }),
    buildExampleRelease(join(work, '120'), { version: '1.2.0' }),
    buildExampleRelease(join(work, '200'), { version: '2.0.0' }),
    buildExampleRelease(join(work, 'secret'), { name: 'secret' }),
  ]);
  await registry.api('POST', '/api/v1/namespaces', { name: 'acme', visibility: 'public' });
  await registry.api('POST', '/api/v1/namespaces/acme/providers', { type: 'hello' });
  await registry.api('POST', '/api/v1/namespaces', { name: 'corp', visibility: 'private' });
  await registry.api('POST', '/api/v1/namespaces/corp/providers', { type: 'secret' });
  await addRelease(registry, 'acme', v100);
  await addRelease(registry, 'acme', v110);
  await addRelease(registry, 'acme', v120);
  await addRelease(registry, 'acme', v200, { publish: false });
  await addRelease(registry, 'corp', secret);
  await registry.api('POST', '/api/v1/providers/acme/hello/versions/1.1.0/deprecate', { message: 'use 1.2.0' });
  await registry.api('POST', '/api/v1/providers/acme/hello/versions/1.2.0/yank', { yanked: true });

  out = await newDir();
  first = await exportStaticRegistry({ ...registry, outDir: out, mirrorHosts: [MIRROR_HOST] });
  exported = (await listFiles(out)).filter((p) => p !== FS_SINK_STATE_FILE);
});

afterAll(async () => {
  await registry.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('exportStaticRegistry', () => {
  it('exports published versions of public namespaces only: no private namespace, no draft', () => {
    expect(first).toMatchObject({ providers: 1, versions: 3, unchanged: 0, removed: [], mirrorHosts: [MIRROR_HOST] });
    expect(first.written).toEqual(exported);
    expect(exported).toContain('.well-known/terraform.json');
    expect(exported).toContain('v1/providers/acme/hello/versions');
    expect(exported).toContain(`mirror/${MIRROR_HOST}/acme/hello/index.json`);
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) {
      expect(exported).toContain(`v1/providers/acme/hello/${version}/download/linux/amd64`);
      expect(exported).toContain(`mirror/${MIRROR_HOST}/acme/hello/${version}.json`);
      for (const file of ['SHA256SUMS', 'SHA256SUMS.sig', 'manifest.json', 'linux_amd64.zip', 'darwin_arm64.zip']) {
        expect(exported).toContain(`v1/files/acme/hello/${version}/terraform-provider-hello_${version}_${file}`);
      }
    }
    expect(exported.filter((p) => p.includes('corp') || p.includes('secret'))).toEqual([]);
    expect(exported.filter((p) => p.includes('2.0.0'))).toEqual([]);
    // 3 versions × (6 files + 3 download documents + 1 mirror document) + versions, index, discovery.
    expect(exported).toHaveLength(3 * 10 + 3);
  });

  it('lists as live: the yanked version unlisted but downloadable, the deprecation warning carried', async () => {
    const versions = JSON.parse(await readFile(join(out, 'v1/providers/acme/hello/versions'), 'utf8'));
    expect(versions.versions.map((v: { version: string }) => v.version)).toEqual(['1.0.0', '1.1.0']);
    expect(versions.warnings).toEqual(['Version 1.1.0 of acme/hello is deprecated: use 1.2.0']);
    const index = JSON.parse(await readFile(join(out, `mirror/${MIRROR_HOST}/acme/hello/index.json`), 'utf8'));
    expect(index).toEqual({ versions: { '1.0.0': {}, '1.1.0': {} } });
    const live = await registry.call(
      'GET',
      '/v1/providers/acme/hello/1.2.0/download/linux/amd64',
      undefined,
      undefined,
      '',
    );
    expect(live.status).toBe(200);
  });

  it('writes every document byte for byte as the live registry serves it, file URLs resolved', async () => {
    const documents = exported.filter((p) => !p.startsWith('v1/files/'));
    expect(documents).toHaveLength(3 + 3 * 4);
    for (const path of documents) {
      const live = await registry.call('GET', `/${path}`, undefined, undefined, '');
      expect(live.status, path).toBe(200);
      expect(live.headers.get('content-type'), path).toBe('application/json');
      const liveText = await live.text();
      const staticText = await readFile(join(out, path), 'utf8');
      if (!path.includes('/download/') && !/\/\d+\.\d+\.\d+\.json$/.test(path)) {
        expect(staticText, path).toBe(liveText);
        continue;
      }
      expect(staticText, path).not.toBe(liveText);
      expect(resolveUrls(staticText, path), path).toBe(resolveUrls(liveText, path));
    }
  });

  it('writes every file byte for byte as the live file route serves it', async () => {
    const files = exported.filter((p) => p.startsWith('v1/files/'));
    expect(files).toHaveLength(18);
    for (const path of files) {
      const live = await registry.call('GET', `/${path}`, undefined, undefined, '');
      expect(live.status, path).toBe(200);
      expect(Buffer.from(await live.arrayBuffer()).equals(await readFile(join(out, path))), path).toBe(true);
    }
  });

  it('uses relative file URLs that resolve to the exported files under any host and prefix', async () => {
    const path = 'v1/providers/acme/hello/1.0.0/download/linux/amd64';
    const download = JSON.parse(await readFile(join(out, path), 'utf8'));
    expect(download.download_url).toBe(
      '../../../../../../files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_linux_amd64.zip',
    );
    for (const served of ['https://cdn.example.com/', 'https://cdn.example.com/some/prefix/']) {
      for (const key of ['download_url', 'shasums_url', 'shasums_signature_url']) {
        const url = new URL(download[key], served + path);
        expect(url.origin + '/').toBe(new URL(served).origin + '/');
        expect(url.pathname.startsWith(new URL(served).pathname)).toBe(true);
        expect(exported).toContain(url.pathname.slice(new URL(served).pathname.length));
      }
    }
    const mirrorPath = `mirror/${MIRROR_HOST}/acme/hello/1.0.0.json`;
    const mirror = JSON.parse(await readFile(join(out, mirrorPath), 'utf8'));
    for (const archive of Object.values<{ url: string; hashes: string[] }>(mirror.archives)) {
      expect(archive.url.startsWith('../../../../v1/files/acme/hello/1.0.0/')).toBe(true);
      expect(exported).toContain(new URL(archive.url, `https://x/p/${mirrorPath}`).pathname.slice('/p/'.length));
      expect(archive.hashes.map((h) => h.slice(0, 3)).sort()).toEqual(['h1:', 'zh:']);
    }
    expect(await readFile(join(out, '.well-known/terraform.json'), 'utf8')).toBe('{"providers.v1":"/v1/providers/"}');
  });

  it('puts every URL under --base-url when given one, and defaults the mirror host to its host', async () => {
    const absolute = await newDir();
    const result = await exportStaticRegistry({
      ...registry,
      outDir: absolute,
      baseUrl: 'https://cdn.example.com/signet',
    });
    expect(result.mirrorHosts).toEqual(['cdn.example.com']);
    expect(await readFile(join(absolute, '.well-known/terraform.json'), 'utf8')).toBe(
      '{"providers.v1":"https://cdn.example.com/signet/v1/providers/"}',
    );
    const download = JSON.parse(
      await readFile(join(absolute, 'v1/providers/acme/hello/1.0.0/download/linux/amd64'), 'utf8'),
    );
    expect(download.shasums_url).toBe(
      'https://cdn.example.com/signet/v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_SHA256SUMS',
    );
    const mirror = JSON.parse(await readFile(join(absolute, 'mirror/cdn.example.com/acme/hello/1.0.0.json'), 'utf8'));
    expect(mirror.archives.linux_amd64.url).toBe(
      'https://cdn.example.com/signet/v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_linux_amd64.zip',
    );

    const rooted = await newDir();
    await exportStaticRegistry({ ...registry, outDir: rooted, baseUrl: '/signet/' });
    expect(await readFile(join(rooted, '.well-known/terraform.json'), 'utf8')).toBe(
      '{"providers.v1":"/signet/v1/providers/"}',
    );
    const rootedDownload = JSON.parse(
      await readFile(join(rooted, 'v1/providers/acme/hello/1.0.0/download/linux/amd64'), 'utf8'),
    );
    expect(rootedDownload.download_url).toBe(
      '/signet/v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_linux_amd64.zip',
    );
    expect(await listFiles(rooted, 'mirror/')).toEqual([]);

    for (const bad of ['ftp://x/', 'https://x/?a=1', 'relative/path', 'https://u:p@x/']) {
      await expect(exportStaticRegistry({ ...registry, outDir: rooted, baseUrl: bad })).rejects.toThrow(/base URL/);
    }
    await expect(exportStaticRegistry({ ...registry, outDir: rooted, mirrorHosts: ['../etc'] })).rejects.toThrow(
      /source host/,
    );
  });

  it('writes nothing when nothing changed, and only what a deprecation or a yank changes', async () => {
    const mtimes = async () => Promise.all(exported.map(async (p) => (await stat(join(out, p))).mtimeMs));
    const before = await mtimes();
    const again = await exportStaticRegistry({ ...registry, outDir: out, mirrorHosts: [MIRROR_HOST] });
    expect(again).toMatchObject({ written: [], removed: [], unchanged: exported.length });
    expect(await mtimes()).toEqual(before);

    await registry.api('POST', '/api/v1/providers/acme/hello/versions/1.0.0/deprecate', { message: 'old' });
    const deprecated = await exportStaticRegistry({ ...registry, outDir: out, mirrorHosts: [MIRROR_HOST] });
    expect(deprecated.written).toEqual(['v1/providers/acme/hello/versions']);

    await registry.api('POST', '/api/v1/providers/acme/hello/versions/1.2.0/yank', { yanked: false });
    const restored = await exportStaticRegistry({ ...registry, outDir: out, mirrorHosts: [MIRROR_HOST] });
    expect(restored.written).toEqual([
      `mirror/${MIRROR_HOST}/acme/hello/index.json`,
      'v1/providers/acme/hello/versions',
    ]);
    expect(restored.unchanged).toBe(exported.length - 2);
  });

  it('rewrites a file changed in the export, even one of the same size', async () => {
    const path = 'v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_SHA256SUMS';
    const original = await readFile(join(out, path));
    await writeFile(
      join(out, path),
      Buffer.from(original.toString('utf8').replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))),
    );
    expect((await readFile(join(out, path))).equals(original)).toBe(false);
    const result = await exportStaticRegistry({ ...registry, outDir: out, mirrorHosts: [MIRROR_HOST] });
    expect(result.written).toEqual([path]);
    expect((await readFile(join(out, path))).equals(original)).toBe(true);
  });

  it("removes what the registry no longer has, and leaves what is not the export's", async () => {
    const dir = await newDir();
    await exportStaticRegistry({ ...registry, outDir: dir, mirrorHosts: [MIRROR_HOST] });
    await mkdir(join(dir, '.well-known'), { recursive: true });
    await writeFile(join(dir, '.well-known/security.txt'), 'Contact: x\n');
    await writeFile(join(dir, 'index.html'), '<p>hello</p>\n');
    await writeFile(join(dir, 'v1/files/acme/hello/.signet-tmp-left-by-a-crash'), 'partial');

    // Another registry exported into the same folder: it has none of acme/hello.
    const other = await openRegistry();
    const release = await buildExampleRelease(join(await newDir(), 'rel'), { name: 'world' });
    await other.api('POST', '/api/v1/namespaces', { name: 'beta', visibility: 'public' });
    await other.api('POST', '/api/v1/namespaces/beta/providers', { type: 'world' });
    await addRelease(other, 'beta', release);
    try {
      const result = await exportStaticRegistry({ ...other, outDir: dir, mirrorHosts: [MIRROR_HOST] });
      expect(result.removed).toContain('v1/files/acme/hello/.signet-tmp-left-by-a-crash');
      expect(result.removed.every((p) => p.includes('acme/hello'))).toBe(true);
      expect(result.removed).toHaveLength(exported.length - 1 + 1);
      const left = await listFiles(dir);
      expect(left.filter((p) => p.includes('acme'))).toEqual([]);
      expect(await readdir(join(dir, 'v1/files'))).toEqual(['beta']);
      expect(left).toContain('.well-known/security.txt');
      expect(left).toContain('index.html');
      expect(left).toContain('v1/providers/beta/world/versions');
    } finally {
      await other.close();
    }
  });

  it('refuses a blob whose bytes are not its digest, and writes nothing in its place', async () => {
    const path = 'v1/files/acme/hello/1.0.0/terraform-provider-hello_1.0.0_linux_amd64.zip';
    const zip = await readFile(join(out, path));
    const sha256 = createHash('sha256').update(zip).digest('hex');
    const blob = join(registry.dataDir, 'blobs', sha256.slice(0, 2), sha256.slice(2));
    await writeFile(blob, Buffer.concat([zip.subarray(0, zip.length - 1), Buffer.from([zip.at(-1)! ^ 1])]));
    const dir = await newDir();
    try {
      await expect(exportStaticRegistry({ ...registry, outDir: dir })).rejects.toMatchObject({
        code: 'SHASUMS_MISMATCH',
      });
      await expect(stat(join(dir, path))).rejects.toMatchObject({ code: 'ENOENT' });
      expect((await listFiles(dir)).filter((p) => !p.startsWith('v1/files/'))).toEqual([FS_SINK_STATE_FILE]);
    } finally {
      await writeFile(blob, zip);
    }
  });
});

/** A download or mirror document with each file URL resolved as terraform resolves it (against the document). */
function resolveUrls(json: string, path: string): string {
  const at = `https://host.example/${path}`;
  const resolve = (url: string) => new URL(url, at).href;
  const doc = JSON.parse(json);
  if (doc.archives) for (const a of Object.values<{ url: string }>(doc.archives)) a.url = resolve(a.url);
  for (const key of ['download_url', 'shasums_url', 'shasums_signature_url'])
    if (doc[key]) doc[key] = resolve(doc[key]);
  return JSON.stringify(doc);
}
