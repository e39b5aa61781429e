// The Signet server of `pnpm bench registry`, in its own process so that its peak RSS is its own and it does not
// share an event loop with the clients. It opens the embedded stores under --data-dir, listens on a free port of
// 127.0.0.1 over plain HTTP and prints `{"url": ..., "pid": ...}` as one line on stdout. The admin token comes from
// SIGNET_ADMIN_TOKEN. Stops on SIGTERM or SIGINT.
//
//   tsx bench/registry-server.ts --data-dir DIR [--max-file-bytes N]
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { createRegistryApp, openFsBlobStore, openSqliteMetadataStore, startServer } from '@signet/registry';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    'max-file-bytes': { type: 'string', default: String(2 * 1024 ** 3) },
  },
});
const dataDir = values['data-dir'];
if (dataDir === undefined) throw new Error('Expected --data-dir DIR, found none.');

const metadata = await openSqliteMetadataStore({ path: join(dataDir, 'signet.db') });
const blobs = await openFsBlobStore({ dataDir });
const app = createRegistryApp({
  metadata,
  blobs,
  adminToken: process.env.SIGNET_ADMIN_TOKEN,
  maxFileBytes: Number(values['max-file-bytes']),
  onError: (error) => console.error(error),
});
const server = await startServer({ fetch: app.fetch, fastRead: app.fastRead, host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void server
      .close()
      .then(() => metadata.close())
      .then(() => process.exit(0));
  });
}
