// `signet serve` in-process: the admin token is made only by a start that listens (a busy port burns nothing),
// a busy port is a usage error naming --port, and the human banner's snippets name what the registry serves.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';

import { buildExampleRelease, type ExampleRelease } from '@signet/registry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EXIT } from './context';
import { main } from './index';
import { quoteShell } from './serve-banner';
import { runCli } from './testing/run-cli';

let dir: string;
let release: ExampleRelease;
/** A plain TCP server holding a port on 127.0.0.1, as another program would. */
let squatter: Server;
let busyPort: number;

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

/** Starts `signet serve` with its human banner; resolves with the banner once it is complete. */
async function serveBanner(dataDir: string, env: Record<string, string> = {}) {
  const stop = new AbortController();
  let out = '';
  let stderr = '';
  let complete: () => void = () => {};
  const ready = new Promise<void>((resolve) => (complete = resolve));
  const done = main(['serve', '--data', dataDir, '--port', '0', '--quiet'], {
    stdout: sink((s) => {
      out += s;
      if (out.includes('Stop with Ctrl-C.')) complete();
    }),
    stderr: sink((s) => (stderr += s)),
    env: { CI: 'true', ...env },
    cwd: dir,
    signal: stop.signal,
  });
  const early = await Promise.race([ready.then(() => undefined), done]);
  if (early !== undefined) throw new Error(`signet serve exited with ${early}: ${stderr}`);
  const url = /^Signet registry on (\S+) /m.exec(out)?.[1] ?? '';
  const caFile = /^ {2}export SSL_CERT_FILE=(\S+)$/m.exec(out)?.[1] ?? '';
  return {
    banner: out,
    url,
    caFile,
    adminToken: /^Admin token \(shown only now; keep it\): (\S+)$/m.exec(out)?.[1],
    stop: async () => {
      stop.abort();
      expect(await done).toBe(EXIT.ok);
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-serve-cli-'));
  release = await buildExampleRelease(join(dir, 'hello'));
  squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  busyPort = (squatter.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => squatter?.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe('signet serve on a busy port', () => {
  it('exits 2 naming --port N and --port 0, and the next start that listens prints the admin token', async () => {
    const data = join(dir, 'busy');
    const busy = await run(['serve', '--data', data, '--port', String(busyPort), '--host', '127.0.0.1']);
    expect(busy.code).toBe(EXIT.usage);
    expect(busy.stderr).toContain(`Cannot listen on 127.0.0.1:${busyPort}: the port is in use`);
    expect(busy.stderr).toContain('--port N, or --port 0 for any free one');
    expect(busy.stdout).toBe('');

    const first = await serveBanner(data);
    try {
      expect(first.adminToken).toMatch(/^signet_/);
      const list = await run(['namespaces', 'list', '--registry', first.url, '--ca-file', first.caFile], {
        SIGNET_TOKEN: first.adminToken ?? '',
      });
      expect(list.stderr).toBe('');
      expect(list.code).toBe(EXIT.ok);
    } finally {
      await first.stop();
    }
    const second = await serveBanner(data);
    await second.stop();
    expect(second.adminToken).toBeUndefined();
    expect(second.banner).toContain('Admin token: the one printed at first start');
  });

  it('with --workers 2, refuses the busy port the same way before any worker starts, and makes no admin token', async () => {
    const data = join(dir, 'busy-workers');
    const busy = await run(['serve', '--data', data, '--port', String(busyPort), '--workers', '2']);
    expect(busy.code).toBe(EXIT.usage);
    expect(busy.stderr).toContain(`Cannot listen on 127.0.0.1:${busyPort}: the port is in use`);
    expect(busy.stdout).toBe('');
    // The folder was opened (and freed again) by the primary, and no admin token was stored for nobody to see.
    const again = await serveBanner(data);
    await again.stop();
    expect(again.adminToken).toMatch(/^signet_/);
  });

  it('with --json, answers the busy port as one JSON error with exit 2', async () => {
    const busy = await run(['serve', '--data', join(dir, 'busy-json'), '--port', String(busyPort), '--json']);
    expect(busy.code).toBe(EXIT.usage);
    expect(JSON.parse(busy.stdout)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    expect(JSON.parse(busy.stdout).error.message).toContain('--port 0');
  });
});

describe('signet serve /metrics', () => {
  it('serves Prometheus metrics on the embedded default, counting the requests answered', async () => {
    const server = await serveBanner(join(dir, 'metrics'));
    try {
      // curl in a child process without blocking: the server runs on this event loop.
      const get = async (path: string) =>
        (await promisify(execFile)('curl', ['-sS', '--cacert', server.caFile, `${server.url}${path}`])).stdout;
      for (let i = 0; i < 3; i++) expect(await get('/healthz')).toContain('"ok"');
      const metrics = await get('/metrics');
      expect(metrics).toMatch(/^signet_http_requests_total\{method="GET",route="\/healthz",status="200"\} 3$/m);
      expect(metrics).toContain('signet_process_resident_memory_bytes');
    } finally {
      await server.stop();
    }
  });
});

describe('signet serve banner', () => {
  it('names an example provider in a multi-line block while nothing is published; credentials only as a comment', async () => {
    const fresh = await serveBanner(join(dir, 'fresh'));
    await fresh.stop();
    const host = new URL(fresh.url).host;
    expect(fresh.banner).toContain(
      [
        '  terraform {',
        '    required_providers {',
        '      # Nothing is published yet. A provider "hello" published with --namespace acme installs as:',
        '      hello = {',
        `        source = "${host}/acme/hello"`,
        '      }',
        '    }',
        '  }',
      ].join('\n'),
    );
    expect(fresh.banner).not.toMatch(/\{ required_providers \{/); // the one-liner terraform refuses
    expect(fresh.caFile).toBe(join(dir, 'fresh', 'tls', 'ca.pem'));
    expect(fresh.banner).toContain(`  # credentials "${host}" {`);
    expect(fresh.banner).not.toMatch(/^ {2}credentials /m);
  });

  it('after publishing, names each provider once (distinct local names) and asks for a read token of the private namespaces', async () => {
    const data = join(dir, 'published');
    const first = await serveBanner(data);
    const admin = { SIGNET_TOKEN: first.adminToken ?? '' };
    const registry = ['--registry', first.url, '--ca-file', first.caFile];
    try {
      expect((await run(['namespaces', 'create', 'acme-private', '--private', ...registry], admin)).code).toBe(0);
      for (const namespace of ['acme', 'acme-private']) {
        const published = await run(
          ['publish', release.distDir, '--namespace', namespace, '--key', release.project.publicKeyPath, ...registry],
          admin,
        );
        expect(published.stderr).toBe('');
        expect(published.code).toBe(0);
      }
      // A namespace with only a draft: nothing terraform could install, so not in the block.
      const draft = await buildExampleRelease(join(dir, 'draft'), { version: '2.0.0' });
      const drafted = await run(
        [
          'publish',
          draft.distDir,
          '--namespace',
          'drafts',
          '--key',
          draft.project.publicKeyPath,
          '--draft',
          ...registry,
        ],
        admin,
      );
      expect(drafted.code).toBe(0);
    } finally {
      await first.stop();
    }

    const again = await serveBanner(data);
    await again.stop();
    const host = new URL(again.url).host;
    expect(again.banner).toContain(
      [
        '    required_providers {',
        '      acme-hello = {',
        `        source = "${host}/acme/hello"`,
        '      }',
        '      acme-private-hello = {',
        `        source = "${host}/acme-private/hello"`,
        '      }',
        '    }',
      ].join('\n'),
    );
    expect(again.banner).not.toContain('/drafts/');
    expect(again.banner).toContain(
      `  signet tokens create --role read --namespace acme-private --registry ${again.url} --ca-file ${again.caFile}\n`,
    );
    expect(again.banner).toContain(`  credentials "${host}" {\n    token = "<READ_TOKEN>"\n  }\n`);
  });

  it('prefixes the admin commands with SIGNET_ADMIN_TOKEN when the token comes from there', async () => {
    const fromEnv = await serveBanner(join(dir, 'from-env'), { SIGNET_ADMIN_TOKEN: 'signet_from-env' });
    await fromEnv.stop();
    expect(fromEnv.banner).toContain('Admin token: SIGNET_ADMIN_TOKEN.');
    expect(fromEnv.banner).toContain('  SIGNET_TOKEN="$SIGNET_ADMIN_TOKEN" signet publish dist/');
    expect(fromEnv.banner).not.toContain('signet_from-env');
  });
});

describe('quoteShell', () => {
  it.each(['/tmp/plain/ca.pem', "/tmp/it's here/ca.pem", '/tmp/$HOME `x`/ca.pem'])(
    'gives back %j through a real sh',
    (value) => {
      expect(execFileSync('sh', ['-c', `printf %s ${quoteShell(value)}`], { encoding: 'utf8' })).toBe(value);
    },
  );
});
