import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { Readable } from 'node:stream';

import yauzl from 'yauzl';

import { BINARY_HEADER_BYTES, detectBinaryPlatform, type BinaryPlatform } from './binary-platform';
import { EMPTY_SHA256, formatZh } from './hash-format';
import { hash1, sha256File, type HashedFile } from './hashes';
import { formatExecutableName } from './names';
import { createProblem, type Problem, type ProblemCode } from './problem';
import { readRange, sha256RandomAccessFile, type RandomAccessFile } from './random-access-file';

/**
 * Limits that stop zip bombs before they cost memory, disk or CPU. The inflated total is counted while inflating,
 * never trusted from the headers, and inflating stops at the first byte over the budget: the smaller of
 * `maxUncompressedBytes` and `maxInflateRatio` × the zip's size (but at least `ratioExemptBytes`).
 */
export interface ZipLimits {
  /** Most entries a provider zip may have (one executable plus a few docs is normal). */
  maxEntries: number;
  /** Most bytes all entries may inflate to. */
  maxUncompressedBytes: number;
  /**
   * Most bytes all entries may inflate to per byte of zip. Go executables deflate about 3:1; a bomb deflates
   * 1000:1 and more, so without this a 23 KiB zip could make every validation inflate up to the total cap.
   * Default `DEFAULT_ZIP_LIMITS.maxInflateRatio`.
   */
  maxInflateRatio?: number | undefined;
  /**
   * Inflated bytes allowed whatever the ratio, so a small zip of very regular content (text, test stand-ins)
   * is not a bomb; inflating this much costs milliseconds. Default `DEFAULT_ZIP_LIMITS.ratioExemptBytes`.
   */
  ratioExemptBytes?: number | undefined;
}

/**
 * 1000 entries, 2 GiB inflated, 50 bytes inflated per zip byte beyond the first 16 MiB: far above any real
 * provider, far below what hurts a server.
 */
export const DEFAULT_ZIP_LIMITS = {
  maxEntries: 1000,
  maxUncompressedBytes: 2 * 1024 ** 3,
  maxInflateRatio: 50,
  ratioExemptBytes: 16 * 1024 ** 2,
} as const satisfies Required<ZipLimits>;

/** How many bytes a zip of `zipBytes` may inflate to under `limits`, and which limit decides it. */
export function inflateBudget(zipBytes: number, limits: ZipLimits = DEFAULT_ZIP_LIMITS): InflateBudget {
  const ratio = limits.maxInflateRatio ?? DEFAULT_ZIP_LIMITS.maxInflateRatio;
  const exempt = limits.ratioExemptBytes ?? DEFAULT_ZIP_LIMITS.ratioExemptBytes;
  const byRatio = Math.max(exempt, ratio * zipBytes);
  return byRatio < limits.maxUncompressedBytes
    ? {
        bytes: byRatio,
        reason: `the limit for a zip of ${zipBytes} bytes (${ratio} inflated bytes per zip byte, at least ${exempt})`,
      }
    : { bytes: limits.maxUncompressedBytes, reason: `the ${limits.maxUncompressedBytes}-byte limit for a whole zip` };
}

/** What `inflateBudget` allows, and the words that say which limit it is. */
export interface InflateBudget {
  bytes: number;
  reason: string;
}

/** One entry of a zip's central directory. */
export interface ZipEntryInfo {
  name: string;
  isDirectory: boolean;
  size: number;
}

/** What `inspectZip` found: hashes, entries, the executable's platform, and every problem. */
export interface ZipInspection {
  /** SHA-256 (lower hex) of the zip's bytes. */
  sha256: string;
  zh: string;
  /** HashZip `h1:`; absent when the zip could not be read completely. */
  h1?: string;
  /** The zip's size in bytes (0 when it could not be opened). */
  size: number;
  /** Bytes inflated to check it: never more than `inflateBudget` allows (a bomb is stopped, not inflated). */
  inflatedBytes: number;
  entries: ZipEntryInfo[];
  /** The `terraform-provider-NAME*` entry at the root and what its header says. */
  binary?: { name: string } & Partial<BinaryPlatform>;
  problems: Problem[];
}

/** The release a zip belongs to, and the limits to enforce. */
export interface InspectZipOptions {
  name: string;
  version: string;
  /** The declared `os_arch` the zip is for. */
  platform: string;
  limits?: ZipLimits | undefined;
  /** The artifact's name in problems; defaults to the path's base name ("the zip" for a random-access file). */
  fileName?: string | undefined;
}

/**
 * Reads a provider zip entry by entry, streaming (memory stays flat whatever its size), and reports every
 * problem tofu/terraform or a careful installer would hit: not a zip, directory entries, unsafe paths, bombs,
 * no executable, an executable for another platform. Never throws for bad content. `source` is a local path, or a
 * `RandomAccessFile` (a blob in object storage, read by ranges where it lies); the caller closes the latter.
 */
export async function inspectZip(
  source: string | RandomAccessFile,
  options: InspectZipOptions,
): Promise<ZipInspection> {
  const file = options.fileName ?? (typeof source === 'string' ? basename(source) : 'the zip');
  const [sha256, read] = await Promise.all([
    typeof source === 'string' ? sha256File(source) : sha256RandomAccessFile(source),
    readEntries(source, options, file),
  ]);
  const inspection: ZipInspection = {
    sha256,
    zh: formatZh(sha256),
    size: read.size,
    inflatedBytes: read.inflatedBytes,
    entries: read.entries,
    problems: read.problems,
  };
  // A name with a newline cannot be expressed in an h1: summary (Go's dirhash refuses it too): no h1 then.
  const h1 = read.complete && read.hashed.every((f) => !f.name.includes('\n')) ? hash1(read.hashed) : undefined;
  if (h1 !== undefined) inspection.h1 = h1;
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
  inflatedBytes: number;
  complete: boolean;
}

async function readEntries(
  source: string | RandomAccessFile,
  options: InspectZipOptions,
  file: string,
): Promise<ReadResult> {
  const limits = options.limits ?? DEFAULT_ZIP_LIMITS;
  const result: ReadResult = { entries: [], hashed: [], problems: [], size: 0, inflatedBytes: 0, complete: false };
  const problem = (code: ProblemCode, message: string) => result.problems.push(createProblem(code, message, { file }));
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(source);
  } catch (error) {
    problem(
      'ZIP_INVALID',
      `${file} is not a valid zip (${(error as Error).message}); terraform's unzip (Go's archive/zip) would fail with "zip: not a valid zip file". Repackage it with \`signet package\`.`,
    );
    return result;
  }
  result.size = zip.fileSize;
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    problem(
      'ZIP_TOO_LARGE',
      `${file} has ${zip.entryCount} entries; the limit is ${limits.maxEntries}. A provider zip holds the executable and perhaps a few documents.`,
    );
    return result;
  }
  const allowed = inflateBudget(zip.fileSize, limits);
  const budget: Budget = { left: allowed.bytes, allowed, used: 0 };
  try {
    for await (const entry of iterateEntries(zip)) {
      const name = decodeName(entry);
      const isDirectory = name.endsWith('/');
      result.entries.push({ name, isDirectory, size: entry.uncompressedSize });
      const unsafe =
        unsafeReason(name) ?? (isSymlink(entry) ? 'it is a symbolic link, which could point anywhere' : undefined);
      if (unsafe) {
        problem(
          'ZIP_UNSAFE_PATH',
          `${file} has an entry named ${JSON.stringify(name)} (${unsafe}); an installer could write or read outside its folder. Zip only the executable, at the root.`,
        );
      }
      if (isDirectory) {
        problem(
          'ZIP_DIRECTORY_ENTRY',
          `${file} has a directory entry ${JSON.stringify(name)}; terraform's lock-file hash then differs from the archive's hash and mirror installs fail with "doesn't match any of the checksums previously recorded". Repackage it flat (\`signet package\`, or zip -D).`,
        );
        result.hashed.push({ name, sha256: EMPTY_SHA256 });
        continue;
      }
      // Hashing is safe even for an unsafe name (nothing is written), and HashZip counts every entry.
      const isExecutable = !unsafe && name.startsWith(`terraform-provider-${options.name}`) && !name.includes('/');
      const content = await hashEntry(zip, entry, isExecutable, budget, file);
      result.hashed.push({ name, sha256: content.sha256 });
      if (isExecutable && !result.binary) result.binary = { name, ...detectBinaryPlatform(content.header) };
    }
    result.complete = true;
  } catch (error) {
    if (error instanceof TooLarge) problem('ZIP_TOO_LARGE', error.message);
    else
      problem('ZIP_INVALID', `${file} is damaged (${(error as Error).message}); repackage it with \`signet package\`.`);
  } finally {
    zip.close();
    result.inflatedBytes = budget.used;
  }
  return result;
}

/** What is left of a zip's inflate budget; `used` counts every byte inflated, including a refused entry's. */
interface Budget {
  left: number;
  used: number;
  allowed: InflateBudget;
}

/** Thrown while inflating, so a bomb is stopped after at most the budget's bytes, never buffered. */
class TooLarge extends Error {}

function tooLarge(file: string, entry: string, reason: string): TooLarge {
  return new TooLarge(
    `${file} is a zip bomb or too large: entry ${JSON.stringify(entry)} ${reason}; inflating was stopped. A provider zip holds one executable.`,
  );
}

/** Unix mode bits from the external attributes, for entries made on Unix (version made by, high byte 3). */
function isSymlink(entry: yauzl.Entry): boolean {
  return entry.versionMadeBy >> 8 === 3 && ((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000;
}

function checkExecutable(inspection: ZipInspection, options: InspectZipOptions, file: string): void {
  const [os, arch] = options.platform.split('_');
  const expected = formatExecutableName(options.name, options.version, os ?? '');
  const binary = inspection.binary;
  if (!binary) {
    inspection.problems.push(
      createProblem(
        'ZIP_NO_EXECUTABLE',
        `${file} has no terraform-provider-${options.name} executable at its root (found ${JSON.stringify(inspection.entries.map((e) => e.name).slice(0, 5))}); expected ${JSON.stringify(expected)}. tofu/terraform would install it and then fail to find the provider's plugin executable.`,
        { file },
      ),
    );
    return;
  }
  if (binary.name !== expected) {
    inspection.problems.push(
      createProblem(
        'ZIP_NO_EXECUTABLE',
        `${file} holds ${JSON.stringify(binary.name)}; the conventional name is ${JSON.stringify(expected)}. tofu/terraform accept it (they look for the prefix terraform-provider-${options.name}), but check the version it was built for.`,
        { file, severity: 'warning' },
      ),
    );
  }
  if (isPlatformMismatch(binary, os, arch)) {
    inspection.problems.push(
      createProblem(
        'BINARY_PLATFORM_MISMATCH',
        `${file} is declared ${options.platform}, but its executable is a ${binary.format?.toUpperCase() ?? ''} binary for ${binary.os ?? '?'}_${binary.arch ?? '?'}; tofu/terraform on ${options.platform} could not run it. Rebuild with GOOS=${os} GOARCH=${arch}.`,
        { file },
      ),
    );
  }
}

/** OSes whose Go binaries carry ELF OSABI 0 (System V), which `detectBinaryPlatform` reports as linux. */
const SYSTEM_V_OS = new Set(['linux', 'solaris', 'illumos', 'dragonfly', 'android']);

function isPlatformMismatch(
  binary: Partial<BinaryPlatform>,
  os: string | undefined,
  arch: string | undefined,
): boolean {
  const sameOs =
    binary.os === undefined ||
    binary.os === os ||
    (binary.format === 'elf' && binary.os === 'linux' && SYSTEM_V_OS.has(os ?? ''));
  const sameArch = binary.arch === undefined || binary.arch === arch;
  return !sameOs || !sameArch;
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

// decodeStrings: false so unsafe names reach us (and get a named problem) instead of a generic yauzl error;
// validateEntrySizes: false because hashEntry counts inflated bytes itself and names a lying header a bomb.
const YAUZL_OPTIONS = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false };

function openZip(source: string | RandomAccessFile): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, zip: yauzl.ZipFile) => (error ? reject(error) : resolve(zip));
    if (typeof source === 'string') yauzl.open(source, YAUZL_OPTIONS, done);
    else yauzl.fromRandomAccessReader(new RangeReader(source), source.size, YAUZL_OPTIONS, done);
  });
}

/** Small reads (a header, a central directory record) fetch at least this much, so a 1000-entry zip is a few ranges. */
const READ_AHEAD_BYTES = 16 * 1024;
const CACHED_BLOCKS = 4;

/**
 * yauzl's view of a `RandomAccessFile`. yauzl asks for many small ranges (the end record, then each central
 * directory record and each local header, 30–100 bytes apiece): over object storage each would be a request, so small
 * reads are served from a few cached read-ahead blocks. An entry's data comes as one ranged stream.
 */
class RangeReader extends yauzl.RandomAccessReader {
  private blocks: { start: number; bytes: Buffer }[] = [];

  constructor(private readonly file: RandomAccessFile) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const file = this.file;
    return Readable.from(
      (async function* () {
        yield* await file.read(start, end);
      })(),
      { objectMode: false },
    );
  }

  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (error: Error | null) => void,
  ): void {
    this.readSmall(position, length).then(
      (bytes) => {
        bytes.copy(buffer, offset);
        callback(null);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  }

  // The file belongs to inspectZip's caller, who closes it.
  override close(callback: (error: Error | null) => void): void {
    setImmediate(callback, null);
  }

  private async readSmall(position: number, length: number): Promise<Buffer> {
    const end = position + length;
    if (end > this.file.size) throw new Error(`unexpected EOF: ${end} is past the zip's ${this.file.size} bytes`);
    const hit = this.blocks.find((b) => b.start <= position && end <= b.start + b.bytes.length);
    if (hit) {
      this.blocks = [hit, ...this.blocks.filter((b) => b !== hit)];
      return hit.bytes.subarray(position - hit.start, end - hit.start);
    }
    const bytes = await readRange(
      this.file,
      position,
      Math.min(this.file.size, Math.max(end, position + READ_AHEAD_BYTES)),
    );
    this.blocks = [{ start: position, bytes }, ...this.blocks].slice(0, CACHED_BLOCKS);
    return bytes.subarray(0, length);
  }
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

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Go's archive/zip (and so terraform's HashZip) takes names as raw bytes whatever the UTF-8 flag says, and Info-ZIP
 * writes UTF-8 names without setting it: valid UTF-8 is read as UTF-8, so the h1 hashes the same bytes as Go.
 * Only bytes that are not UTF-8 fall back to latin1 (Go would hash them raw; no JS string can carry them).
 */
function decodeName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown as Buffer | string;
  if (typeof raw === 'string') return raw;
  try {
    return STRICT_UTF8.decode(raw);
  } catch {
    return raw.toString('latin1');
  }
}

async function hashEntry(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  keepHeader: boolean,
  budget: Budget,
  file: string,
): Promise<{ sha256: string; header: Buffer }> {
  const name = decodeName(entry);
  if (entry.uncompressedSize > budget.left) {
    // Refused from the header, before inflating a byte: an honest bomb costs nothing.
    throw tooLarge(
      file,
      name,
      `declares ${entry.uncompressedSize} bytes, which with the entries before it is over ${budget.allowed.reason}: ${budget.allowed.bytes} bytes`,
    );
  }
  const stream = await new Promise<Readable>((resolve, reject) =>
    zip.openReadStream(entry, (error, s) => (error ? reject(error) : resolve(s))),
  );
  const hash = createHash('sha256');
  const header: Buffer[] = [];
  let headerBytes = 0;
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      budget.used += chunk.length;
      // Counted here rather than trusted from the headers: a bomb declares a few bytes and inflates to gigabytes.
      if (size > entry.uncompressedSize)
        throw tooLarge(file, name, `inflates past the ${entry.uncompressedSize} bytes its header declares`);
      hash.update(chunk);
      if (keepHeader && headerBytes < BINARY_HEADER_BYTES) {
        const part = chunk.subarray(0, BINARY_HEADER_BYTES - headerBytes);
        header.push(part);
        headerBytes += part.length;
      }
    }
  } finally {
    stream.destroy();
  }
  if (size < entry.uncompressedSize)
    throw new Error(
      `entry ${JSON.stringify(name)} inflates to ${size} bytes, but its header declares ${entry.uncompressedSize}`,
    );
  budget.left -= size;
  return { sha256: hash.digest('hex'), header: Buffer.concat(header) };
}
