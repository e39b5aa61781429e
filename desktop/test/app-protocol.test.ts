// The app:// handler on a real folder: it serves out/renderer's files with the CSP header of design.md §5.4
// and nothing outside that folder, however the path is spelled.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_CSP, createAppProtocolHandler, resolveAppFile } from '../src/main/app-protocol';

const SECRET = 'outside-the-renderer-folder';
let base: string;
let root: string;
let serve: (request: Request) => Promise<Response>;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'signet-app-protocol-'));
  root = join(base, 'renderer');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Signet</title>');
  await writeFile(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  await writeFile(join(base, 'secret.txt'), SECRET);
  await writeFile(join(base, 'renderer-sibling.txt'), SECRET);
  serve = createAppProtocolHandler(root);
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('the app:// protocol', () => {
  it('serves index.html for / and assets by type, each with the CSP header', async () => {
    for (const [url, type, body] of [
      ['app://signet/', 'text/html; charset=utf-8', '<title>Signet</title>'],
      ['app://signet/index.html', 'text/html; charset=utf-8', '<title>Signet</title>'],
      ['app://signet/assets/index-abc.js', 'text/javascript; charset=utf-8', 'console.log(1)'],
    ] as const) {
      const response = await serve(new Request(url));
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('content-security-policy')).toBe(APP_CSP);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await response.text()).toContain(body);
    }
  });

  it('has the CSP of design.md §5.4', () => {
    expect(APP_CSP).toBe(
      "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
  });

  it('refuses path traversal however it is spelled, and other hosts and schemes', async () => {
    const attempts = [
      'app://signet/../secret.txt',
      'app://signet/%2e%2e/secret.txt',
      'app://signet/%2E%2E/secret.txt',
      'app://signet/..%2fsecret.txt',
      'app://signet/assets/..%2f..%2fsecret.txt',
      'app://signet/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://signet/..%5csecret.txt',
      'app://signet/%2e%2e%5csecret.txt',
      'app://signet/..%2frenderer-sibling.txt',
      'app://signet/%2fetc%2fpasswd',
      'app://signet/index.html%00.png',
      'app://signet/%E0%A4%A',
      'app://other/index.html',
      'file:///etc/passwd',
    ];
    for (const url of attempts) {
      const response = await serve(new Request(url));
      expect(response.status, url).not.toBe(200);
      expect(response.headers.get('content-security-policy'), url).toBe(APP_CSP);
      expect(await response.text(), url).not.toContain(SECRET);
    }
    expect(resolveAppFile(root, 'app://signet/..%2fsecret.txt')).toBeNull();
    expect(resolveAppFile(root, 'app://signet/assets/index-abc.js')).toBe(join(root, 'assets', 'index-abc.js'));
  });

  it('answers 404 for a missing file or a folder, and 405 for anything but GET/HEAD', async () => {
    expect((await serve(new Request('app://signet/missing.js'))).status).toBe(404);
    expect((await serve(new Request('app://signet/assets'))).status).toBe(404);
    expect((await serve(new Request('app://signet/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });
});
