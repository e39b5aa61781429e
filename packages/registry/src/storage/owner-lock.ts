import { linkSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

import { isNoSpaceError, StoreFullError, StoreLockedError } from './errors';

/** A held lock; `release` is idempotent. */
export interface OwnerLock {
  release(): void;
}

interface OwnerInfo {
  pid: number;
  host: string;
}

// Paths this process holds, so a second open in the same process is refused even though its PID is alive.
const HELD = new Set<string>();

/**
 * Makes this process the one owner of `path` (the embedded database), through `<path>.owner` holding our PID.
 *
 * Why: node-sqlite3-wasm locks a database by creating the directory `<path>.lock` (Node has no byte-range locks),
 * and a process killed with SIGKILL leaves that directory behind, after which every open fails with "database is
 * locked" forever. The owner file tells a stale lock (its process is gone) from a live one: a stale one is taken
 * over and `<path>.lock` removed, so SQLite can then roll back or replay its journal; a live one is refused.
 *
 * Limits: an owner on another host (a shared folder) is always taken as live; two processes taking over the same
 * stale lock at the same instant can both succeed. The embedded store is for one process by design (design.md §6).
 */
export function acquireOwnerLock(path: string): OwnerLock {
  const ownerPath = `${path}.owner`;
  if (HELD.has(path)) throw lockedError(path, { pid: process.pid, host: hostname() });
  if (!tryCreate(ownerPath)) {
    const owner = readOwner(ownerPath);
    if (owner !== undefined && isAlive(owner)) throw lockedError(path, owner);
    rmSync(ownerPath, { force: true });
    if (!tryCreate(ownerPath)) throw lockedError(path, readOwner(ownerPath) ?? { pid: -1, host: '?' });
  }
  // We own the database now: any SQLite lock directory left is from a dead process.
  rmSync(`${path}.lock`, { recursive: true, force: true });
  HELD.add(path);
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      HELD.delete(path);
      try {
        unlinkSync(ownerPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    },
  };
}

// Written aside, then hard-linked into place: the link either fails (taken) or appears complete, so a reader never
// sees a half-written owner file.
function tryCreate(ownerPath: string): boolean {
  const owner: OwnerInfo = { pid: process.pid, host: hostname() };
  const draft = `${ownerPath}.${process.pid}.tmp`;
  try {
    writeFileSync(draft, `${JSON.stringify(owner)}\n`);
  } catch (error) {
    rmSync(draft, { force: true });
    // The first write of every open: on a full disk this is where a start fails, before SQLite is reached.
    if (isNoSpaceError(error)) throw ownerFileFull(ownerPath, error);
    throw error;
  }
  try {
    linkSync(draft, ownerPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(draft, { force: true });
  }
}

/** The recorded owner; undefined for an unreadable file (then stale). */
function readOwner(ownerPath: string): OwnerInfo | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(ownerPath, 'utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { pid, host } = value as Record<string, unknown>;
    return typeof pid === 'number' && typeof host === 'string' ? { pid, host } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(owner: OwnerInfo): boolean {
  if (owner.host !== hostname()) return true;
  // Our own PID but not in HELD: a previous process with the same PID (a restarted container's PID 1).
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockedError(path: string, owner: OwnerInfo): StoreLockedError {
  return new StoreLockedError(
    `Expected ${JSON.stringify(path)} to be free, found it open by process ${owner.pid} on ${JSON.stringify(owner.host)}; ` +
      `stop that process, or delete ${JSON.stringify(`${path}.owner`)} if you are sure it is gone.`,
  );
}

function ownerFileFull(ownerPath: string, cause: unknown): StoreFullError {
  const errno = (cause as NodeJS.ErrnoException).code ?? 'ENOSPC';
  return new StoreFullError('database', {
    cause,
    message:
      `Expected to write ${JSON.stringify(ownerPath)} (it makes this process the owner of the embedded database), ` +
      `found no space left on the volume of ${JSON.stringify(dirname(ownerPath))} (${errno}); nothing was changed. ` +
      'Free space on that volume or grow it (or raise the quota, or move the data folder to a larger volume), then start again.',
  });
}
