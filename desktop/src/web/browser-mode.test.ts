import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BROWSER_MODE_CSP, startBrowserMode, type BrowserMode } from './browser-mode';
import { sessionCookieName } from './request-guard';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request: node:http lets a test send any Host and Origin, as a rebinding page or another site would. */
function send(
  app: BrowserMode,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: app.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { host: `127.0.0.1:${app.port}`, ...options.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const KEY_INPUT = JSON.stringify({
  name: 'Web',
  email: 'web@example.com',
  expires: '2y',
  passphrase: 'web passphrase',
  confirmPassphrase: 'web passphrase',
  algorithm: 'ed25519',
});

describe('browser mode', () => {
  let dir: string;
  let dataDir: string;
  let app: BrowserMode;
  const logs: string[] = [];
  const auth = () => ({ authorization: `Bearer ${app.token}` });
  const api = (channel: string, body: string, headers: Record<string, string> = {}) =>
    send(app, {
      method: 'POST',
      path: `/api/${channel}`,
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
  const keyFiles = async () => readdir(join(dataDir, 'keys')).catch(() => [] as string[]);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signet-web-'));
    dataDir = join(dir, 'data');
    const rendererDir = join(dir, 'renderer');
    await mkdir(join(rendererDir, 'assets'), { recursive: true });
    await writeFile(
      join(rendererDir, 'index.html'),
      '<!doctype html><title>Signet</title><script src="/assets/app.js"></script>',
    );
    await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log("signet")');
    app = await startBrowserMode({
      dataDir,
      port: 0,
      rendererDir,
      log: (level, message) => logs.push(`${level} ${message}`),
    });
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a 127.0.0.1 URL carrying a random session token', () => {
    expect(app.url).toBe(`http://127.0.0.1:${app.port}/?token=${app.token}`);
    expect(app.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('listens on 127.0.0.1 only', async () => {
    // Every 127/8 address reaches this host's loopback; a server bound to 127.0.0.1 alone refuses the others.
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const socket = connect({ host: '127.0.0.2', port: app.port });
      socket.on('connect', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.on('error', resolve);
    });
    expect(error?.code).toBe('ECONNREFUSED');
  });

  it('refuses a request without the token (403) and changes nothing', async () => {
    const answer = await api('keysGenerate', KEY_INPUT);
    expect(answer.status).toBe(403);
    expect(await keyFiles()).toEqual([]);
    expect((await send(app, { path: '/' })).status).toBe(403);
    expect((await send(app, { path: '/assets/app.js' })).status).toBe(403);
    expect((await send(app, { path: '/?token=wrong' })).status).toBe(403);
    expect((await api('keysList', '{}', { authorization: 'Bearer wrong' })).status).toBe(403);
  });

  it('refuses another Host (DNS rebinding) and another Origin (CSRF), even with the token, and changes nothing', async () => {
    const rebinding = await api('keysGenerate', KEY_INPUT, { ...auth(), host: `attacker.example:${app.port}` });
    expect(rebinding.status).toBe(403);
    const otherPort = await api('keysGenerate', KEY_INPUT, { ...auth(), host: `127.0.0.1:${app.port + 1}` });
    expect(otherPort.status).toBe(403);
    for (const origin of ['http://attacker.example', `https://127.0.0.1:${app.port}`, 'null']) {
      expect((await api('keysGenerate', KEY_INPUT, { ...auth(), origin })).status).toBe(403);
    }
    expect(await keyFiles()).toEqual([]);
  });

  it('answers the envelope with the token, from its own Host and Origin', async () => {
    const answer = await api('keysGenerate', KEY_INPUT, {
      ...auth(),
      origin: `http://localhost:${app.port}`,
      host: `localhost:${app.port}`,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['content-security-policy']).toBe(BROWSER_MODE_CSP);
    const result = JSON.parse(answer.body);
    expect(result).toMatchObject({ ok: true, value: { badge: 'Compatible', hasPrivateKey: true } });
    expect(answer.body).not.toContain('PRIVATE KEY');
    expect(await keyFiles()).toEqual([`${result.value.keyId}.asc`]);
    expect(logs.join('\n')).not.toContain('web passphrase');
  });

  it('answers errors as envelopes with 200, unknown channels 404 and other methods 405', async () => {
    const invalid = await api('keysGenerate', '{"name":"x"}', auth());
    expect(invalid.status).toBe(200);
    expect(JSON.parse(invalid.body)).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
    const notJson = await api('keysList', '{', auth());
    expect(JSON.parse(notJson.body)).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
    expect(JSON.parse((await api('dialogChooseFolder', '{}', auth())).body)).toMatchObject({
      ok: false,
      error: { code: 'UNSUPPORTED' },
    });
    expect((await api('noSuchChannel', '{}', auth())).status).toBe(404);
    expect((await send(app, { path: '/api/keysList', headers: auth() })).status).toBe(405);
  });

  it('turns the first page load’s ?token= into an HttpOnly SameSite=Strict cookie that then opens every path', async () => {
    const first = await send(app, { path: `/?token=${app.token}` });
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toContain(`${sessionCookieName(app.port)}=${app.token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const session = { cookie: `${sessionCookieName(app.port)}=${app.token}` };
    const page = await send(app, { path: '/', headers: session });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Signet</title>');
    expect(page.headers['content-security-policy']).toBe(BROWSER_MODE_CSP);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const asset = await send(app, { path: '/assets/app.js', headers: session });
    expect(asset).toMatchObject({ status: 200, body: 'console.log("signet")' });
    expect((await send(app, { path: '/releases', headers: session })).body).toContain('<title>Signet</title>');
    expect((await send(app, { path: '/assets/missing.js', headers: session })).status).toBe(404);
    const listed = await api('keysList', '{}', session);
    expect(JSON.parse(listed.body)).toMatchObject({ ok: true });
    // A cookie of another port's session does not open this one.
    const foreign = { cookie: `${sessionCookieName(app.port + 1)}=${app.token}` };
    expect((await send(app, { path: '/', headers: foreign })).status).toBe(403);
  });
});
