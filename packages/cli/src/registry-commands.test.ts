// The registry commands end to end in-process: `signet serve` (HTTPS, local CA, admin token once), `publish`,
// the admin commands and `mirror export`, plus their usage errors and exit codes.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { createRegistryClient, RegistryError } from '@signet/client';
import { ensureLocalTls } from '@signet/registry';
import { buildExampleRelease, type ExampleRelease } from '@signet/registry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { exitCodeOf } from './exit-codes';
import { runCli } from './testing/run-cli';
import { main } from './index';

let dir: string;
let release: ExampleRelease;
let server: { url: string; caFile: string; adminToken: string; stop: () => Promise<void> };

function sink(append: (s: string) => void) {
  return new Writable({
    write(chunk: Buffer, _e, callback) {
      append(chunk.toString());
      callback();
    },
  });
}

const run = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { cwd: dir, env: { CI: 'true', ...env } });

/** Starts `signet serve` in-process; resolves once its --json line is out. */
async function serve(dataDir: string, extra: string[] = [], env: Record<string, string> = {}) {
  const stop = new AbortController();
  let resolveLine: (line: string) => void = () => {};
  const line = new Promise<string>((resolve) => (resolveLine = resolve));
  let stderr = '';
  const done = main(['serve', '--data', dataDir, '--port', '0', '--json', ...extra], {
    stdout: sink(resolveLine),
    stderr: sink((s) => (stderr += s)),
    env: { CI: 'true', ...env },
    cwd: dir,
    signal: stop.signal,
  });
  const first = await Promise.race([line, done.then((code) => `exit ${code}: ${stderr}`)]);
  if (first.startsWith('exit')) throw new Error(first);
  const info = JSON.parse(first) as { url: string; caFile: string; adminToken?: string };
  return {
    ...info,
    adminToken: info.adminToken ?? env.SIGNET_ADMIN_TOKEN ?? '',
    stop: async () => {
      stop.abort();
      expect(await done).toBe(0);
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-cli-registry-'));
  release = await buildExampleRelease(join(dir, 'project'));
  server = await serve(join(dir, 'data'));
});
afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const registryArgs = () => ['--registry', server.url, '--ca-file', server.caFile];
const admin = () => ({ SIGNET_TOKEN: server.adminToken });

describe('signet serve', () => {
  it('makes a local CA and an admin token on first start, and prints the token only then', async () => {
    expect(server.adminToken).toMatch(/^signet_/);
    expect(server.url).toMatch(/^https:\/\/localhost:\d+$/);
    expect(await readFile(server.caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
    const second = await serve(join(dir, 'data2'), [], { SIGNET_ADMIN_TOKEN: 'signet_from-env' });
    try {
      expect(
        (
          await run(['namespaces', 'list', '--registry', second.url, '--ca-file', second.caFile, '--json'], {
            SIGNET_TOKEN: 'signet_from-env',
          })
        ).code,
      ).toBe(0);
    } finally {
      await second.stop();
    }
    // Without SIGNET_ADMIN_TOKEN and no stored admin token, one is made and printed; on the next start it is not.
    const made = await serve(join(dir, 'data2'));
    await made.stop();
    expect(made.adminToken).toMatch(/^signet_/);
    const again = await serve(join(dir, 'data2'));
    await again.stop();
    expect(again.adminToken).toBe('');
  });

  it('prints the terraform setup: SSL_CERT_FILE, the source address and a credentials block', async () => {
    const stop = new AbortController();
    let out = '';
    let started: () => void = () => {};
    const ready = new Promise<void>((resolve) => (started = resolve));
    const done = main(['serve', '--data', join(dir, 'data3'), '--port', '0'], {
      stdout: sink((s) => {
        out += s;
        started();
      }),
      stderr: sink(() => {}),
      env: { CI: 'true' },
      cwd: dir,
      signal: stop.signal,
    });
    await ready;
    stop.abort();
    expect(await done).toBe(0);
    expect(out).toMatch(/export SSL_CERT_FILE=.*data3\/tls\/ca\.pem/);
    expect(out).toMatch(/source = "localhost:\d+\/acme\/hello"/);
    expect(out).toMatch(/credentials "localhost:\d+" \{/);
    expect(out).toMatch(/Admin token \(shown only now; keep it\): signet_/);
  });

  it.each([
    [['--port', 'http'], /--port "http" is not a port number/],
    [['--tls-cert', 'cert.pem'], /both --tls-cert and --tls-key/],
    [['--tls-cert', 'no.pem', '--tls-key', 'no-key.pem'], /Cannot read --tls-cert "no.pem"/],
    [['--max-file-size', 'lots'], /--max-file-size "lots"/],
    [['--no-tls', '--tls-cert', 'a.pem', '--tls-key', 'b.pem'], /exclude each other/],
  ])('refuses %j with exit 2', async (args, message) => {
    const result = await run(['serve', '--data', join(dir, 'bad'), ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('serves with --tls-cert/--tls-key instead of making a CA', async () => {
    const tls = await ensureLocalTls(join(dir, 'own-tls'));
    const own = await serve(join(dir, 'data-tls'), ['--tls-cert', tls.certPath, '--tls-key', tls.keyPath]);
    try {
      expect(own.caFile).toBeUndefined();
      const list = await run(['namespaces', 'list', '--registry', own.url, '--ca-file', tls.caPath], {
        SIGNET_TOKEN: own.adminToken,
      });
      expect(list.code).toBe(0);
    } finally {
      await own.stop();
    }
  });

  it('serves plain HTTP with --no-tls (behind a TLS-terminating proxy)', async () => {
    const plain = await serve(join(dir, 'data-plain'), ['--no-tls'], { SIGNET_ADMIN_TOKEN: 'signet_plain' });
    try {
      expect(plain.url).toMatch(/^http:\/\/localhost:\d+$/);
      expect(plain.caFile).toBeUndefined();
      const port = new URL(plain.url).port;
      const list = await run(['namespaces', 'list', '--registry', `http://127.0.0.1:${port}`], {
        SIGNET_TOKEN: 'signet_plain',
      });
      expect(list.code).toBe(0);
    } finally {
      await plain.stop();
    }
  });

  it('refuses a data folder another serve is using (exit 2)', async () => {
    const result = await run(['serve', '--data', join(dir, 'data'), '--port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/another `signet serve`/);
  });
});

describe('signet publish', () => {
  it('creates the namespace, key, provider and draft, uploads and publishes; a re-run changes nothing', async () => {
    const first = await run(
      [
        'publish',
        release.distDir,
        '--namespace',
        'acme',
        '--key',
        release.project.publicKeyPath,
        ...registryArgs(),
        '--json',
      ],
      admin(),
    );
    expect(first.code).toBe(0);
    expect(first.json).toMatchObject({
      ok: true,
      name: 'hello',
      version: '1.0.0',
      keyId: release.keyId,
      alreadyPublished: false,
    });
    expect(first.json.uploaded).toHaveLength(release.files.length);
    const again = await run(['publish', release.distDir, '--namespace', 'acme', ...registryArgs()], admin());
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Already published with identical bytes');
  });

  it('on a terminal: a validating line, a note, and one uploading line in bytes with a rate; stdout says it once', async () => {
    const rel = await buildExampleRelease(join(dir, 'tty'), { name: 'ttyshow' });
    const tty = await runCli(
      ['publish', rel.distDir, '--namespace', 'acme', '--key', rel.project.publicKeyPath, ...registryArgs()],
      { cwd: dir, env: admin(), tty: { columns: 120 } },
    );
    expect(tty.code, tty.stderr).toBe(0);
    const shown = tty.stderr.split('\n').map((line) => line.split('\r').pop()!.replace('\x1b[2K', ''));
    expect(shown[0]).toMatch(/^validating 6 files \(hashing [\d.]+ KiB\)…$/);
    expect(shown).toContain(`Registered key ${rel.keyId} in namespace acme.`);
    const uploading = shown.filter((line) => line.startsWith('uploading'));
    expect(uploading).toHaveLength(1);
    expect(uploading[0]).toMatch(
      /^uploading terraform-provider-ttyshow_1\.0\.0_\S+ ([\d.]+ KiB)\/\1( {2}[\d.]+ (B|KiB|MiB)\/s)?$/,
    );
    // Rewritten in place: the line was drawn more than once, each time after a carriage return.
    expect(tty.stderr.split('\r\x1b[2Kuploading').length - 1).toBeGreaterThan(1);
    expect(tty.stdout).toMatch(/^Published localhost:\d+\/acme\/ttyshow 1\.0\.0/);
    expect(tty.stdout).not.toMatch(/Registered key|uploading|validating/);
    // Without a terminal the notes are part of the result instead, and nothing goes to stderr.
    const rel2 = await buildExampleRelease(join(dir, 'pipe'), { name: 'pipeshow' });
    const piped = await runCli(
      ['publish', rel2.distDir, '--namespace', 'acme', '--key', rel2.project.publicKeyPath, ...registryArgs()],
      { cwd: dir, env: admin() },
    );
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toMatch(/^Registered key [0-9A-F]{16} in namespace acme\.\n/);
  });

  it('--draft stops before publishing, and a re-run skips what is uploaded', async () => {
    const rel = await buildExampleRelease(join(dir, 'draft'), { version: '1.1.0' });
    const draft = await run(
      [
        'publish',
        rel.distDir,
        '--namespace',
        'acme',
        '--key',
        rel.project.publicKeyPath,
        '--draft',
        ...registryArgs(),
        '--json',
      ],
      admin(),
    );
    expect(draft.code).toBe(0);
    expect(draft.json.registryVersion.state).toBe('draft');
    expect(draft.json.registryVersion.report.ok).toBe(true);
    const finish = await run(['publish', rel.distDir, '--namespace', 'acme', ...registryArgs(), '--json'], admin());
    expect(finish.code).toBe(0);
    expect(finish.json.uploaded).toEqual([]);
    expect(finish.json.skipped).toHaveLength(rel.files.length);
    expect(finish.json.registryVersion.state).toBe('published');
  });

  it('exits 1 with the problems when the registry refuses to publish (tampered zip)', async () => {
    const rel = await buildExampleRelease(join(dir, 'tampered'), { version: '1.2.0' });
    const zip = rel.files.find((f) => f.fileName.endsWith('linux_amd64.zip'))!;
    const bytes = await readFile(zip.path);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 30) ^ 0xff, bytes.length - 30);
    await writeFile(zip.path, bytes);
    const result = await run(
      ['publish', rel.distDir, '--namespace', 'acme', '--key', rel.project.publicKeyPath, ...registryArgs(), '--json'],
      admin(),
    );
    expect(result.code).toBe(1);
    expect(result.json.problems.map((p: { code: string }) => p.code)).toContain('SHASUMS_MISMATCH');
  });

  let sameCase = 0;
  it.each([
    ['a zip changed after signing', async (rel: ExampleRelease) => flipByte(rel, 'linux_amd64.zip')],
    ['SHA256SUMS changed after signing', async (rel: ExampleRelease) => flipByte(rel, '_SHA256SUMS')],
    [
      'a zip missing',
      async (rel: ExampleRelease) => rm(rel.files.find((f) => f.fileName.endsWith('darwin_arm64.zip'))!.path),
    ],
    [
      'the manifest missing',
      async (rel: ExampleRelease) => rm(rel.files.find((f) => f.fileName.endsWith('manifest.json'))!.path),
    ],
  ])('publish reports the same problems as `signet validate --key` when %s', async (_case, breakIt) => {
    // One provider per case, numbered in the order the cases run (they run one after another).
    const n = ++sameCase;
    const rel = await buildExampleRelease(join(dir, `same-${n}`), { name: `same${n}` });
    await breakIt(rel);
    const validated = await run(['validate', rel.distDir, '--key', rel.project.publicKeyPath, '--json']);
    expect(validated.code).toBe(1);
    const published = await run(
      [
        'publish',
        rel.distDir,
        '--namespace',
        'acme',
        '--key',
        rel.project.publicKeyPath,
        '--protocols',
        '6.0',
        ...registryArgs(),
        '--json',
      ],
      admin(),
    );
    expect(published.code).toBe(1);
    expect(published.json.problems).toEqual(validated.json.problems);
  });

  it.each([
    [['publish', 'dist', '--namespace', 'acme', '--registry', 'https://localhost:1'], {}, 2, /Set SIGNET_TOKEN/],
    [['publish', 'dist', '--namespace', 'acme'], { SIGNET_TOKEN: 'x' }, 2, /Missing --registry/],
    [['publish', '--namespace', 'acme', '--registry', 'https://localhost:1'], { SIGNET_TOKEN: 'x' }, 2, /Missing DIR/],
    [
      ['publish', 'dist', '--namespace', 'acme', '--registry', 'ftp://x'],
      { SIGNET_TOKEN: 'x' },
      2,
      /not an http\(s\) URL/,
    ],
  ])('%j is a usage error', async (args, env, code, message) => {
    const result = await run(args, env);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it('exits 3 when the registry cannot be reached, and says how to fix an untrusted certificate', async () => {
    const down = await run(
      ['publish', release.distDir, '--namespace', 'acme', '--registry', 'https://127.0.0.1:1'],
      admin(),
    );
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/Cannot reach the registry at https:\/\/127\.0\.0\.1:1/);
    const untrusted = await run(['publish', release.distDir, '--namespace', 'acme', '--registry', server.url], admin());
    expect(untrusted.code).toBe(3);
    expect(untrusted.stderr).toMatch(/--ca-file/);
  });

  it('refuses a token without publish rights for the namespace', async () => {
    const token = await run(
      ['tokens', 'create', '--role', 'read', '--namespace', 'acme', ...registryArgs(), '--json'],
      admin(),
    );
    const result = await run(['publish', release.distDir, '--namespace', 'acme', ...registryArgs()], {
      SIGNET_TOKEN: token.json.token,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/may not publish in namespace "acme"/);
  });
});

describe('an upload refused from its size while it is still being sent (HTTPS)', () => {
  it("is reported with the registry's answer, the validator's problem for the file (exit 1), not a broken pipe", async () => {
    const own = await serve(join(dir, 'data-early')); // its own data: the other tests list what they made
    const client = await createRegistryClient({ url: own.url, token: own.adminToken, caFile: own.caFile });
    try {
      await client.createNamespace({ name: 'early' });
      await client.addKey('early', { ascii_armor: release.publicKeyArmored });
      await client.createProvider('early', 'hello');
      await client.createVersion('early', 'hello', { version: '1.0.0', protocols: ['6.0'], key_id: release.keyId });
      const name = 'terraform-provider-hello_1.0.0_manifest.json';
      const path = join(dir, 'huge-manifest.json');
      await writeFile(path, Buffer.alloc(5 * 1024 * 1024, 0x20)); // the cap is 64 KiB
      // Server and client share this process: the race a hang-up would start (TLS read against TCP reset) is lost
      // by the client every time, so a few tries show it.
      for (let attempt = 0; attempt < 5; attempt++) {
        const error = await client
          .uploadFile({ namespace: 'early', type: 'hello', version: '1.0.0' }, name, path)
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RegistryError);
        expect(error).toMatchObject({ status: 413, errors: [{ code: 'MANIFEST_INVALID', file: name }] });
        expect(exitCodeOf(error)).toBe(1);
      }
      expect((await client.getVersion('early', 'hello', '1.0.0'))?.files).toEqual([]);
    } finally {
      await client.close();
      await own.stop();
    }
  });
});

async function flipByte(rel: ExampleRelease, suffix: string): Promise<void> {
  const file = rel.files.find((f) => f.fileName.endsWith(suffix))!;
  const bytes = await readFile(file.path);
  const at = Math.floor(bytes.length / 2);
  bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
  await writeFile(file.path, bytes);
}

describe('registry administration commands', () => {
  it('namespaces, tokens and keys', async () => {
    expect((await run(['namespaces', 'create', 'corp', '--private', ...registryArgs()], admin())).stdout).toContain(
      'Created private namespace corp',
    );
    const list = await run(['namespaces', 'list', ...registryArgs(), '--json'], admin());
    expect(list.json.map((n: { name: string }) => n.name)).toEqual(['acme', 'corp']);
    const token = await run(
      ['tokens', 'create', '--role', 'publish', '--namespace', 'corp', ...registryArgs(), '--json'],
      admin(),
    );
    expect(token.code).toBe(0);
    const tokens = await run(['tokens', 'list', ...registryArgs()], admin());
    expect(tokens.stdout).toContain(token.json.id);
    expect(tokens.stdout).not.toContain(token.json.token);
    const added = await run(['keys', 'add', release.project.publicKeyPath, '--namespace', 'corp', ...registryArgs()], {
      SIGNET_TOKEN: token.json.token,
    });
    expect(added.stdout).toContain(`Added key ${release.keyId} to corp`);
    // A private key file: only its public half goes to the registry.
    const other = await buildExampleRelease(join(dir, 'other-key'), { name: 'other' });
    const fromPrivate = await run(
      ['keys', 'add', other.project.privateKeyPath, '--namespace', 'corp', ...registryArgs(), '--json'],
      { SIGNET_TOKEN: token.json.token },
    );
    expect(fromPrivate.code).toBe(0);
    expect(fromPrivate.json.ascii_armor).toContain('PUBLIC KEY BLOCK');
    const keys = await run(['keys', 'list', '--namespace', 'corp', ...registryArgs(), '--json'], admin());
    expect(keys.json).toHaveLength(2);
    expect(
      (await run(['keys', 'remove', other.keyId, '--namespace', 'corp', ...registryArgs()], admin())).stdout,
    ).toContain('Removed');
    expect((await run(['tokens', 'revoke', token.json.id, ...registryArgs()], admin())).stdout).toContain('Revoked');
    const revoked = await run(['keys', 'list', '--namespace', 'corp', ...registryArgs()], {
      SIGNET_TOKEN: token.json.token,
    });
    expect(revoked.code).toBe(2);
    expect(revoked.stderr).toMatch(/unknown or revoked/);
    const bad = await run(['tokens', 'create', '--role', 'owner', ...registryArgs()], admin());
    expect(bad.code).toBe(2);
  });
});

describe('signet mirror export', () => {
  it('writes a packed filesystem mirror with index.json and VERSION.json from a running registry', async () => {
    const out = join(dir, 'mirror');
    const result = await run(
      ['mirror', 'export', '--out', out, '--host', 'registry.example.com', ...registryArgs(), '--json'],
      admin(),
    );
    expect(result.code).toBe(0);
    const providerDir = join(out, 'registry.example.com', 'acme', 'hello');
    expect(JSON.parse(await readFile(join(providerDir, 'index.json'), 'utf8'))).toEqual({
      versions: { '1.0.0': {}, '1.1.0': {} },
    });
    const doc = JSON.parse(await readFile(join(providerDir, '1.0.0.json'), 'utf8')) as {
      archives: Record<string, { url: string; hashes: string[] }>;
    };
    expect(doc.archives.linux_amd64).toEqual({
      url: 'terraform-provider-hello_1.0.0_linux_amd64.zip',
      hashes: [expect.stringMatching(/^h1:/), expect.stringMatching(/^zh:/)],
    });
    const zip = release.files.find((f) => f.fileName.endsWith('linux_amd64.zip'))!;
    expect((await readFile(join(providerDir, zip.fileName))).equals(await readFile(zip.path))).toBe(true);
    const again = await run(
      ['mirror', 'export', '--out', out, '--host', 'registry.example.com', ...registryArgs(), '--json'],
      admin(),
    );
    expect(again.json).toMatchObject({ written: 0 });
    expect((await readdir(providerDir)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('exports from the data folder of a stopped serve', async () => {
    const data = join(dir, 'data-export');
    const own = await serve(data);
    const published = await run(
      [
        'publish',
        release.distDir,
        '--namespace',
        'acme',
        '--key',
        release.project.publicKeyPath,
        '--registry',
        own.url,
        '--ca-file',
        own.caFile,
      ],
      { SIGNET_TOKEN: own.adminToken },
    );
    expect(published.code).toBe(0);
    await own.stop();
    const out = join(dir, 'mirror-data');
    const result = await run(['mirror', 'export', '--out', out, '--data', data, '--json']);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({ host: 'localhost:8443', providers: 1, versions: 1, written: 3 });
    const doc = JSON.parse(await readFile(join(out, 'localhost:8443', 'acme', 'hello', '1.0.0.json'), 'utf8')) as {
      archives: object;
    };
    expect(Object.keys(doc.archives).sort()).toEqual(['darwin_arm64', 'linux_amd64', 'windows_amd64']);
  });

  it('refuses --data while serve holds it, and needs exactly one source', async () => {
    const busy = await run(['mirror', 'export', '--out', join(dir, 'm2'), '--data', join(dir, 'data')]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/in use by a running `signet serve`/);
    const neither = await run(['mirror', 'export', '--out', join(dir, 'm2')]);
    expect(neither.code).toBe(2);
  });
});

describe('a misbehaving registry: exit 3 with a clear message', () => {
  /** A stand-in registry on 127.0.0.1 that answers every request with `handler`. */
  async function standIn(handler: (response: ServerResponse) => void) {
    const server = createServer((_request, response) => handler(response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  }

  it.each([
    [
      'a 500',
      (response: ServerResponse) => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ errors: [{ code: 'INTERNAL', message: 'The registry failed.' }] }));
      },
      /500 The registry failed/,
    ],
    [
      'an HTML page',
      (response: ServerResponse) => {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<html>hello</html>');
      },
      /found an HTML page/,
    ],
    ['no answer at all', () => {}, /sent nothing for 0\.2 s/],
  ])('%s', async (_what, handler, message) => {
    const registry = await standIn(handler);
    try {
      const result = await run(['namespaces', 'list', '--registry', registry.url, '--timeout', '0.2'], admin());
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/Cannot read properties/);
      expect(result.code).toBe(3);
    } finally {
      await registry.close();
    }
  });

  it('refuses a --timeout that is not a number of seconds (exit 2)', async () => {
    const result = await run(['namespaces', 'list', '--registry', server.url, '--timeout', 'soon'], admin());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--timeout "soon": expected a number of seconds/);
  });
});
