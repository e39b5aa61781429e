// A path the caller gave that the file system refuses (a file where a folder must be, a folder that is missing,
// no rights to it) is the caller's to fix: exit 2 with what is wrong with which path, not an INTERNAL exit 3 with
// Node's "ENOTDIR: not a directory, mkdir ...". Faults of the machine (ENOSPC, EIO) stay exit 3.

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, where a folder is expected',
  EISDIR: 'it is a folder, where a file is expected',
  EEXIST: 'something already exists there',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
};

interface PathError extends Error {
  code: string;
  path: string;
  syscall?: string;
}

/** True for a Node file system error about a path, of a kind the caller can fix. */
export function isPathMistake(error: unknown): error is PathError {
  const { code, path } = (error ?? {}) as { code?: unknown; path?: unknown };
  return error instanceof Error && typeof path === 'string' && typeof code === 'string' && code in REASONS;
}

/** `Cannot mkdir "/x/y": a part of the path is a file, where a folder is expected (ENOTDIR).` */
export function describePathMistake(error: PathError): string {
  const action = error.syscall === undefined ? 'use' : error.syscall;
  return `Cannot ${action} ${JSON.stringify(error.path)}: ${REASONS[error.code]} (${error.code}). Check the path given.`;
}
