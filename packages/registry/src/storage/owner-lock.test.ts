// The owner file is the first thing an open of the embedded store writes, so on a full disk it is where `signet
// serve` fails to start. The failure must read as a full disk (STORAGE_FULL: what is full, what to do), not as the
// bare "ENOSPC: no space left on device, write" of Node. The write is a real ENOSPC: the owner file's draft
// (`<path>.owner.<pid>.tmp`) is made a symlink to /dev/full, which answers every write so.
import { existsSync, lstatSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { StoreFullError } from './errors';
import { acquireOwnerLock } from './owner-lock';

const HAS_DEV_FULL = existsSync('/dev/full');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-owner-lock-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe.skipIf(!HAS_DEV_FULL)(
  `the owner file on a full disk${HAS_DEV_FULL ? '' : ' (skipped: this system has no /dev/full to write to)'}`,
  () => {
    it('throws StoreFullError naming the file, the volume and what to do, and leaves nothing behind', () => {
      const path = join(dir, 'signet.db');
      const draft = `${path}.owner.${process.pid}.tmp`;
      symlinkSync('/dev/full', draft);
      let thrown: unknown;
      try {
        acquireOwnerLock(path);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(StoreFullError);
      expect(thrown).toMatchObject({ code: 'STORAGE_FULL', part: 'database' });
      expect((thrown as Error).message).toBe(
        `Expected to write ${JSON.stringify(`${path}.owner`)} (it makes this process the owner of the embedded database), found no space left on the volume of ${JSON.stringify(dir)} (ENOSPC); nothing was changed. Free space on that volume or grow it (or raise the quota, or move the data folder to a larger volume), then start again.`,
      );
      expect((thrown as { cause?: { code?: string } }).cause?.code).toBe('ENOSPC');
      expect(() => lstatSync(draft)).toThrow(/ENOENT/); // the draft (here: the link) is gone
      expect(existsSync(`${path}.owner`)).toBe(false);

      // Nothing is held: once the disk has room, the same path is taken.
      const lock = acquireOwnerLock(path);
      expect(existsSync(`${path}.owner`)).toBe(true);
      lock.release();
    });
  },
);

describe('the owner file', () => {
  it('is refused to a second open in this process, and free again after release', () => {
    const path = join(dir, 'signet.db');
    const lock = acquireOwnerLock(path);
    expect(() => acquireOwnerLock(path)).toThrow(/found it open by process/);
    lock.release();
    acquireOwnerLock(path).release();
    expect(existsSync(`${path}.owner`)).toBe(false);
  });
});
