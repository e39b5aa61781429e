// Graceful shutdown over a real socket: a request in flight when close() begins is answered in full (and told
// Connection: close), a new connection is refused at once, and one that outlives the deadline is cut.
import { request as httpRequest, Agent } from 'node:http';
import { connect } from 'node:net';

import { describe, expect, it } from 'vitest';

import { startServer } from './node-server';

function get(url: string, agent: Agent): Promise<{ status: number; body: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/slow`, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body, connection: res.headers.connection }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('graceful shutdown', () => {
  it('finishes a request in flight, refuses new connections, and resolves once it is answered', async () => {
    let release: () => void = () => {};
    let arrived: () => void = () => {};
    const inHandler = new Promise<void>((resolve) => (arrived = resolve));
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      shutdownGraceMs: 30_000,
      fetch: async () => {
        arrived();
        await new Promise<void>((resolve) => (release = resolve));
        return new Response('finished');
      },
    });
    const agent = new Agent({ keepAlive: true });
    const answer = get(server.url, agent);
    await inHandler;
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    expect(await canConnect(server.port)).toBe(false);
    expect(closed).toBe(false);
    release();
    expect(await answer).toEqual({ status: 200, body: 'finished', connection: 'close' });
    await closing;
    expect(closed).toBe(true);
    agent.destroy();
  });

  it('cuts a request that outlives the deadline', async () => {
    let arrived: () => void = () => {};
    const inHandler = new Promise<void>((resolve) => (arrived = resolve));
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      shutdownGraceMs: 200,
      fetch: async () => {
        arrived();
        await new Promise(() => {});
        return new Response('never');
      },
    });
    const agent = new Agent({ keepAlive: false });
    const answer = get(server.url, agent).then(
      () => 'answered',
      () => 'cut',
    );
    await inHandler;
    await server.close();
    expect(await answer).toBe('cut');
  });
});
