import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';

import yauzl from 'yauzl';

import { BINARY_HEADER_BYTES, detectBinaryPlatform, type BinaryPlatform } from './binary-platform';
import { EMPTY_SHA256, formatZh, hash1, sha256File, type HashedFile } from './hashes';
import { formatExecutableName } from './names';
import { createProblem, type Problem } from './problem';

/** Limits that stop zip bombs before they cost memory or disk. */
export interface ZipLimits {
  /** Most entries a provider zip may have (one executable plus a few docs is normal). */
  maxEntries: number;
  /** Most bytes all entries may inflate to, counted while inflating, not trusted from the headers. */
  maxUncompressedBytes: number;
}

/** 1000 entries, 2 GiB inflated: far above any real provider, far below what hurts a server. */
export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntries: 1000, maxUncompressedBytes: 2 * 1024 ** 3 };

export interface ZipEntryInfo {
  name: string;
  isDirectory: boolean;
  size: number;
}

export interface ZipInspection {
  sha256: string;
  zh: string;
  /** HashZip `h1:`; absent when the zip could not be read completely. */
  h1?: string;
  size: number;
  entries: ZipEntryInfo[];
  binary?: { name: string } & Partial<BinaryPlatform>;
  problems: Problem[];
}

export interface InspectZipOptions {
  name: string;
  version: string;
  /** The declared `os_arch` the zip is for. */
  platform: string;
  limits?: ZipLimits | undefined;
}

/**
 * Reads a provider zip entry by entry, streaming (memory stays flat whatever its size), and reports every
 * problem tofu/terraform or a careful installer would hit: not a zip, directory entries, unsafe paths, bombs,
 * no executable, an executable for another platform. Never throws for bad content.
 */
export async function inspectZip(path: string, options: InspectZipOptions): Promise<ZipInspection> {
  const file = basename(path);
  const [sha256, read] = await Promise.all([sha256File(path), readEntries(path, options, file)]);
  const inspection: ZipInspection = { sha256, zh: formatZh(sha256), size: read.size, entries: read.entries, problems: read.problems };
  if (read.complete) inspection.h1 = hash1(read.hashed);
  if (read.binary) inspection.binary = read.binary;
  if (read.complete) checkExecutable(inspection, options, file);
  return inspection;
}

interface ReadResult {
  entries: ZipEntryInfo[];
  hashed: HashedFile[];
  problems: Problem[];
  binary?: ZipInspection['binary'];
  size: number;
  complete: boolean;
}

async function readEntries(path: string, options: InspectZipOptions, file: string): Promise<ReadResult> {
  const limits = options.limits ?? DEFAULT_ZIP_LIMITS;
  const result: ReadResult = { entries: [], hashed: [], problems: [], size: 0, complete: false };
  const problem = (code: Parameters<typeof createProblem>[0], message: string) =>
    result.problems.push(createProblem(code, message, { file }));
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path);
  } catch (error) {
    problem('ZIP_INVALID', `${file} is not a valid zip (${(error as Error).message}); tofu init would fail with "zip: not a valid zip file". Repackage it with \`signet package\`.`);
    return result;
  }
  result.size = zip.fileSize;
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    problem('ZIP_TOO_LARGE', `${file} has ${zip.entryCount} entries; the limit is ${limits.maxEntries}. A provider zip holds the executable and perhaps a few documents.`);
    return result;
  }
  let inflated = 0;
  try {
    for await (const entry of iterateEntries(zip)) {
      const name = decodeName(entry);
      const isDirectory = name.endsWith('/');
      result.entries.push({ name, isDirectory, size: entry.uncompressedSize });
      const unsafe = unsafeReason(name);
      if (unsafe) {
        problem('ZIP_UNSAFE_PATH', `${file} has an entry named ${JSON.stringify(name)} (${unsafe}); an installer could write outside its folder. Zip only the executable, at the root.`);
        continue;
      }
      if (isDirectory) {
        problem('ZIP_DIRECTORY_ENTRY', `${file} has a directory entry ${JSON.stringify(name)}; terraform's lock-file hash then differs from the archive's hash and mirror installs fail with "doesn't match any of the checksums previously recorded". Repackage it flat (\`signet package\`, or zip -D).`);
        result.hashed.push({ name, sha256: EMPTY_SHA256 });
        continue;
      }
      if (inflated + entry.uncompressedSize > limits.maxUncompressedBytes) throw new TooLarge(inflated + entry.uncompressedSize, limits);
      const isExecutable = name.startsWith(`terraform-provider-${options.name}`) && !name.includes('/');
      const content = await hashEntry(zip, entry, isExecutable, limits.maxUncompressedBytes - inflated, limits);
      inflated += content.size;
      result.hashed.push({ name, sha256: content.sha256 });
      if (isExecutable && !result.binary) result.binary = { name, ...detectBinaryPlatform(content.header) };
    }
    result.complete = true;
  } catch (error) {
    if (error instanceof TooLarge) {
      problem('ZIP_TOO_LARGE', `${file} inflates to more than ${error.limits.maxUncompressedBytes} bytes (at least ${error.bytes}); this looks like a zip bomb and was stopped.`);
    } else {
      problem('ZIP_INVALID', `${file} is damaged (${(error as Error).message}); repackage it with \`signet package\`.`);
    }
  } finally {
    zip.close();
  }
  return result;
}

class TooLarge extends Error {
  constructor(
    readonly bytes: number,
    readonly limits: ZipLimits,
  ) {
    super('zip too large');
  }
}

function checkExecutable(inspection: ZipInspection, options: InspectZipOptions, file: string): void {
  const [os, arch] = options.platform.split('_');
  const expected = formatExecutableName(options.name, options.version, os ?? '');
  const binary = inspection.binary;
  if (!binary) {
    inspection.problems.push(
      createProblem('ZIP_NO_EXECUTABLE', `${file} has no terraform-provider-${options.name} executable at its root (found ${JSON.stringify(inspection.entries.map((e) => e.name).slice(0, 5))}); expected ${JSON.stringify(expected)}.`, { file }),
    );
    return;
  }
  if (binary.name !== expected) {
    inspection.problems.push(
      createProblem('ZIP_NO_EXECUTABLE', `${file} holds ${JSON.stringify(binary.name)}; the conventional name is ${JSON.stringify(expected)}. tofu/terraform accept it, but check the version it was built for.`, { file, severity: 'warning' }),
    );
  }
  const osMismatch = binary.os !== undefined && binary.os !== os;
  const archMismatch = binary.arch !== undefined && binary.arch !== arch;
  if (osMismatch || archMismatch) {
    inspection.problems.push(
      createProblem('BINARY_PLATFORM_MISMATCH', `${file} is declared ${options.platform}, but its executable is a ${binary.format?.toUpperCase() ?? ''} binary for ${binary.os ?? '?'}_${binary.arch ?? '?'}; tofu on ${options.platform} could not run it. Rebuild with GOOS=${os} GOARCH=${arch}.`, { file }),
    );
  }
}

/** Why a zip entry name is unsafe to extract, or undefined when it is fine. */
export function unsafeReason(name: string): string | undefined {
  if (name.includes('\0')) return 'it contains a NUL byte';
  if (name.includes('\n')) return 'it contains a newline';
  if (name.includes('\\')) return 'it contains a backslash';
  if (name.startsWith('/')) return 'it is absolute';
  if (/^[A-Za-z]:/.test(name)) return 'it starts with a drive letter';
  if (name.split('/').includes('..')) return 'it climbs out with ".."';
  return undefined;
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // decodeStrings: false so unsafe names reach us (and get a named problem) instead of a generic yauzl error.
    yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true }, (error, zip) =>
      error ? reject(error) : resolve(zip),
    );
  });
}

async function* iterateEntries(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  for (;;) {
    const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
      const onEntry = (e: yauzl.Entry) => {
        cleanup();
        resolve(e);
      };
      const onEnd = () => {
        cleanup();
        resolve(undefined);
      };
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      const cleanup = () => {
        zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
      };
      zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
      zip.readEntry();
    });
    if (!entry) return;
    yield entry;
  }
}

function decodeName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown as Buffer | string;
  return typeof raw === 'string' ? raw : raw.toString((entry.generalPurposeBitFlag & 0x800) !== 0 ? 'utf8' : 'latin1');
}

async function hashEntry(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  keepHeader: boolean,
  budget: number,
  limits: ZipLimits,
): Promise<{ sha256: string; size: number; header: Buffer }> {
  const stream = await new Promise<Readable>((resolve, reject) =>
    zip.openReadStream(entry, (error, s) => (error ? reject(error) : resolve(s))),
  );
  const hash = createHash('sha256');
  const header: Buffer[] = [];
  let headerBytes = 0;
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > budget) {
      stream.destroy();
      throw new TooLarge(size, limits);
    }
    hash.update(chunk);
    if (keepHeader && headerBytes < BINARY_HEADER_BYTES) {
      header.push(chunk.subarray(0, BINARY_HEADER_BYTES - headerBytes));
      headerBytes += header.at(-1)!.length;
    }
  }
  return { sha256: hash.digest('hex'), size, header: Buffer.concat(header) };
}
