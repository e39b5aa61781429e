// What the app's envelope says for a full disk. The built-in registry runs in this process, so its StoreFullError
// (STORAGE_FULL) reaches the mapping as a SignetError: it is no input of the user's (not INPUT_INVALID) but the
// registry's, and the user is that registry's operator, so the message says what to do on this machine. The error is
// a real one: the local registry started on a folder whose first write (the owner file's draft, here a link to
// Linux's /dev/full) meets ENOSPC. A remote registry's 507 stays that registry's answer.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { RegistryError } from '@signet/client';
import { SignetError } from '@signet/core';
import { openLocalRegistry } from '@signet/registry/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { toDesktopError } from './error-mapping';

const HAS_DEV_FULL = existsSync('/dev/full');
const LEAD =
  "The disk that holds Signet's data is full, so nothing was stored. Free space on it (or move the data folder to a larger disk), then try again.";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-desktop-errors-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('toDesktopError on a full disk', () => {
  it.skipIf(!HAS_DEV_FULL)(
    `maps the built-in registry's STORAGE_FULL to REGISTRY_ERROR with what to do${HAS_DEV_FULL ? '' : ' (skipped: this system has no /dev/full to write to)'}`,
    async () => {
      const dataDir = join(dir, 'registry');
      await mkdir(dataDir);
      await symlink('/dev/full', join(dataDir, `signet.db.owner.${process.pid}.tmp`));
      const thrown = await openLocalRegistry({ dataDir, port: 0, tls: 'none', adminToken: 'signet_x' }).then(
        async (registry) => {
          await registry.close();
          return undefined;
        },
        (error: unknown) => error,
      );
      expect(thrown).toMatchObject({ code: 'STORAGE_FULL' });
      const mapped = toDesktopError(thrown);
      expect(mapped?.code).toBe('REGISTRY_ERROR');
      expect(mapped?.message).toBe(`${LEAD} ${(thrown as Error).message}`);
      expect(mapped?.cause).toBe(thrown);
    },
  );

  it('gives STORAGE_FULL its own words whatever part of the store was full', () => {
    const full = new SignetError(
      'STORAGE_FULL',
      'Expected the registry to store the uploaded file, found its disk full.',
    );
    expect(toDesktopError(full)?.toApiError()).toEqual({ code: 'REGISTRY_ERROR', message: `${LEAD} ${full.message}` });
  });

  it("leaves a remote registry's 507 that registry's answer, and an unknown code INPUT_INVALID as before", () => {
    const remote = new RegistryError(
      507,
      [{ code: 'STORAGE_FULL', message: 'Expected the registry to store the uploaded file, found its disk full.' }],
      'PUT /api/v1/providers/acme/hello/versions/1.0.0/files/x.zip',
    );
    expect(toDesktopError(remote)?.toApiError()).toEqual({ code: 'REGISTRY_ERROR', message: remote.message });
    expect(toDesktopError(new SignetError('SOMETHING_NEW', 'x'))?.code).toBe('INPUT_INVALID');
  });
});
