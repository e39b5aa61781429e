import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

// A STAND-IN for the GitHub REST API, not GitHub: just the release endpoints the Action calls, kept in memory, with
// every call recorded so tests can check the order (draft, assets, publish), idempotency (a re-run uploads nothing)
// and that nothing changes once a release is published. Listens on 127.0.0.1 only.

interface Asset {
  id: number;
  name: string;
  size: number;
  digest: string;
  bytes: Buffer;
}
interface Release {
  id: number;
  tag_name: string;
  name: string;
  draft: boolean;
  assets: Asset[];
}

export interface GithubStandIn {
  url: string;
  calls: string[];
  releases: Release[];
  close(): Promise<void>;
}

export async function startGithubStandIn(): Promise<GithubStandIn> {
  const releases: Release[] = [];
  const calls: string[] = [];
  let nextId = 1;
  const server = createServer((req, res) => {
    void handle(req).then(
      ([status, body]) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body === undefined ? '' : JSON.stringify(body));
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(error) }));
      },
    );
  });
  const view = (r: Release) => ({
    id: r.id,
    tag_name: r.tag_name,
    name: r.name,
    draft: r.draft,
    html_url: `${base}/release/${r.id}`,
    upload_url: `${base}/uploads/repos/acme/terraform-provider-hello/releases/${r.id}/assets{?name,label}`,
    assets: r.assets.map(({ id, name, size, digest }) => ({ id, name, size, digest })),
  });
  async function handle(req: IncomingMessage): Promise<[number, unknown]> {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;
    calls.push(
      `${req.method} ${path.replace(/\/releases\/\d+/, '/releases/ID').replace(/\/assets\/\d+/, '/assets/ID')}${url.searchParams.get('name') ? ` ${url.searchParams.get('name')}` : ''}`,
    );
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    let match: RegExpExecArray | null;
    if (req.method === 'GET' && /^\/repos\/[^/]+\/[^/]+\/releases$/.test(path)) return [200, releases.map(view)];
    if (req.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/releases$/.test(path)) {
      const input = JSON.parse(body.toString()) as { tag_name: string; name: string; draft: boolean };
      const release = { id: nextId++, tag_name: input.tag_name, name: input.name, draft: input.draft, assets: [] };
      releases.push(release);
      return [201, view(release)];
    }
    if ((match = /^\/uploads\/repos\/[^/]+\/[^/]+\/releases\/(\d+)\/assets$/.exec(path)) && req.method === 'POST') {
      const release = releases.find((r) => r.id === Number(match![1]));
      if (!release) return [404, { message: 'Not Found' }];
      const name = url.searchParams.get('name') ?? '';
      if (release.assets.some((a) => a.name === name)) return [422, { message: 'already_exists' }];
      const asset = {
        id: nextId++,
        name,
        size: body.length,
        digest: `sha256:${createHash('sha256').update(body).digest('hex')}`,
        bytes: body,
      };
      release.assets.push(asset);
      return [201, { id: asset.id, name, size: asset.size, digest: asset.digest }];
    }
    if ((match = /^\/repos\/[^/]+\/[^/]+\/releases\/assets\/(\d+)$/.exec(path)) && req.method === 'DELETE') {
      for (const release of releases) release.assets = release.assets.filter((a) => a.id !== Number(match![1]));
      return [204, undefined];
    }
    if ((match = /^\/repos\/[^/]+\/[^/]+\/releases\/(\d+)$/.exec(path)) && req.method === 'PATCH') {
      const release = releases.find((r) => r.id === Number(match![1]));
      if (!release) return [404, { message: 'Not Found' }];
      Object.assign(release, JSON.parse(body.toString()) as Partial<Release>);
      return [200, view(release)];
    }
    return [404, { message: `stand-in: no route ${req.method} ${path}` }];
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    calls,
    releases,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
