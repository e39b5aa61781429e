import { writeFile } from 'node:fs/promises';
import { constants, crc32, deflateRawSync } from 'node:zlib';

/** One entry of a hand-built zip; every header field an attacker controls can be set. */
export interface RawZipEntry {
  name: string | Buffer;
  /** The entry's content; deflated unless `stored` or `compressed` is given. */
  data?: Buffer;
  /** Raw deflate bytes to store as they are (a bomb), instead of deflating `data`. */
  compressed?: Buffer;
  stored?: boolean;
  /** The uncompressed size written in both headers; defaults to the truth. Lie here to build a bomb. */
  declaredSize?: number;
  /** Unix mode (`0o100755`, `0o120777` for a symbolic link); defaults to a regular 0644 file. */
  mode?: number;
  /** Set the "name is UTF-8" flag (bit 11); Info-ZIP writes UTF-8 names without it. Defaults to true. */
  utf8Flag?: boolean;
}

/**
 * Writes a zip byte by byte, without any library's safety checks, so tests can build what attackers send: names
 * with `..`, NUL or backslashes, symbolic links, headers that lie about sizes. One local header, data and central
 * record per entry, then the end record; no data descriptors, no extra fields, no zip64.
 */
export async function writeRawZip(path: string, entries: readonly RawZipEntry[]): Promise<void> {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.isBuffer(entry.name) ? entry.name : Buffer.from(entry.name, 'utf8');
    const data = entry.data ?? Buffer.alloc(0);
    const body = entry.compressed ?? (entry.stored ? data : deflateRawSync(data));
    const method = entry.stored && !entry.compressed ? 0 : 8;
    const size = entry.declaredSize ?? data.length;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(entry.utf8Flag === false ? 0 : 0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0x2821, 12); // 2000-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    parts.push(local, name, body);
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE((3 << 8) | 20, 4);
    record.writeUInt16LE(20, 6);
    record.writeUInt16LE(entry.utf8Flag === false ? 0 : 0x800, 8);
    record.writeUInt16LE(method, 10);
    record.writeUInt16LE(0x2821, 14);
    record.writeUInt32LE(crc, 16);
    record.writeUInt32LE(body.length, 20);
    record.writeUInt32LE(size, 24);
    record.writeUInt16LE(name.length, 28);
    record.writeUInt32LE(((entry.mode ?? 0o100644) << 16) >>> 0, 38);
    record.writeUInt32LE(offset, 42);
    central.push(record, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  await writeFile(path, Buffer.concat([...parts, directory, end]));
}

/**
 * `bytes` zeros as raw deflate (a multiple of 16 MiB), without ever holding or deflating that many zeros: a 16 MiB
 * block ended with a full flush (byte-aligned, no back-references across it) encodes the same every time, so the
 * block is repeated, then a final empty stored block closes the stream. 5 GiB comes to ~5 MiB, built in ~50 ms.
 */
export function deflatedZeros(bytes: number): Buffer {
  const blockSize = 16 * 2 ** 20;
  const block = deflateRawSync(Buffer.alloc(blockSize), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const repeats = Math.ceil(bytes / blockSize);
  return Buffer.concat([...Array.from({ length: repeats }, () => block), Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff])]);
}
