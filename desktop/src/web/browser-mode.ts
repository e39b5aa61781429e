// Browser mode: the built renderer and the services over HTTP on 127.0.0.1, one `POST /api/<channel>` per
// channel answering the Result envelope (always 200 for an envelope; 403 from the guard; 404/405 otherwise),
// behind the request guard, with the CSP of design.md §5.4 on every response.
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';

import { getRequestListener } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';

import { createServices, dispatch, isChannel, type ServiceLog } from '../services';
import { BROWSER_MODE_VAULT_REASON, createUnavailableVault, type SecretVault } from '../services/secret-vault';
import { createRequestGuard } from './request-guard';

export const BROWSER_MODE_CSP =
  "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
/** The only address browser mode listens on. */
export const BROWSER_MODE_HOST = '127.0.0.1';
/** keysImport carries a key file of up to 1.4 MB as base64; nothing else comes near. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface BrowserModeOptions {
  dataDir: string;
  /** 0 for any free port. */
  port: number;
  /** The built renderer (desktop/out/renderer, with index.html). */
  rendererDir: string;
  log: ServiceLog;
  /** Default: an unavailable vault (browser mode has no OS keychain); tests give another. */
  vault?: SecretVault | undefined;
}

export interface BrowserMode {
  /** `http://127.0.0.1:PORT/?token=…`: the one URL to open. */
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

export async function startBrowserMode(options: BrowserModeOptions): Promise<BrowserMode> {
  const index = await readFile(join(options.rendererDir, 'index.html'), 'utf8');
  const services = await createServices({
    dataDir: options.dataDir,
    vault: options.vault ?? createUnavailableVault('none', BROWSER_MODE_VAULT_REASON),
    mode: 'browser',
    log: options.log,
  });
  const token = randomBytes(32).toString('base64url');
  let port = 0;
  const app = new Hono();
  app.use(async (c, next) => {
    await next();
    c.header('Content-Security-Policy', BROWSER_MODE_CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    if (c.req.path.startsWith('/api/')) c.header('Cache-Control', 'no-store');
  });
  app.use(createRequestGuard({ token, port: () => port }));
  app.post('/api/:channel', bodyLimit({ maxSize: MAX_BODY_BYTES }), async (c) => {
    const channel = c.req.param('channel');
    if (!isChannel(channel)) return c.json({ error: `No channel ${JSON.stringify(channel)}.` }, 404);
    let input: unknown;
    try {
      const text = await c.req.text();
      input = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      return c.json({ ok: false, error: { code: 'INPUT_INVALID', message: `${channel}: the body is not JSON.` } });
    }
    return c.json(await dispatch(services.handlers, channel, input, options.log));
  });
  app.all('/api/*', (c) =>
    c.req.method === 'POST' ? c.json({ error: 'Not found.' }, 404) : c.text('Use POST.\n', 405),
  );
  app.use('*', serveStatic({ root: options.rendererDir }));
  // Paths the renderer routes itself (no file extension) get its page; a missing asset is a 404.
  app.get('*', (c) => (extname(c.req.path) === '' ? c.html(index) : c.text('Not found.\n', 404)));
  app.all('*', (c) => c.text('Method not allowed.\n', 405));

  const listener = getRequestListener(app.fetch);
  const server = createServer((request, response) => void listener(request, response));
  try {
    port = await listen(server, options.port);
  } catch (error) {
    await services.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    url: `http://${BROWSER_MODE_HOST}:${port}/?token=${token}`,
    token,
    port,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await services.close();
      })()),
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, BROWSER_MODE_HOST, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** True when `dir` holds a built renderer. */
export async function hasBuiltRenderer(dir: string): Promise<boolean> {
  return (await stat(join(dir, 'index.html')).catch(() => undefined))?.isFile() === true;
}
