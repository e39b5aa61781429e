// The committed action/dist/index.js is what GitHub runs: it must be exactly what the sources build today.
import { readFile } from 'node:fs/promises';

import { describe, expect, it } from 'vitest';

import { bundleAction, DIST_FILE } from '../build';

describe('action/dist/index.js', () => {
  it('matches a fresh build of the sources (run `pnpm --filter @signet/action build` and commit it)', async () => {
    const fresh = await bundleAction();
    const committed = await readFile(DIST_FILE, 'utf8');
    expect(committed.length).toBe(fresh.length);
    expect(committed === fresh).toBe(true);
  }, 60_000);

  it('holds no server code and no node-sqlite3-wasm', async () => {
    const committed = await readFile(DIST_FILE, 'utf8');
    expect(committed).not.toContain('packages/registry/');
    expect(committed).not.toContain('node-sqlite3-wasm');
  });
});
