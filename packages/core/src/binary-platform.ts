/**
 * Reads the platform an executable was built for from its header: ELF (e_machine, and EI_OSABI, which Go sets
 * to FreeBSD for freebsd builds), Mach-O (cputype, thin or universal) and PE (the COFF Machine field).
 * Unknown formats (a shell script, say) give `undefined`: nothing can be said, so nothing is claimed.
 */
export interface BinaryPlatform {
  format: 'elf' | 'macho' | 'pe';
  os?: string;
  arch?: string;
}

/** How many leading bytes `detectBinaryPlatform` needs (PE headers sit at e_lfanew, within the first KiBs). */
export const BINARY_HEADER_BYTES = 4096;

const ELF_ARCH: Record<number, string> = { 3: '386', 62: 'amd64', 40: 'arm', 183: 'arm64', 21: 'ppc64le', 243: 'riscv64', 22: 's390x' };
const ELF_OS: Record<number, string> = { 9: 'freebsd', 12: 'openbsd', 6: 'solaris' };
const MACHO_ARCH: Record<number, string> = { 0x7: '386', 0x01000007: 'amd64', 0xc: 'arm', 0x0100000c: 'arm64' };
const PE_ARCH: Record<number, string> = { 0x14c: '386', 0x8664: 'amd64', 0x1c0: 'arm', 0x1c4: 'arm', 0xaa64: 'arm64' };

export function detectBinaryPlatform(header: Uint8Array): BinaryPlatform | undefined {
  const bytes = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  if (bytes.length < 64) return undefined;
  if (bytes.readUInt32BE(0) === 0x7f454c46) return detectElf(bytes);
  const magic = bytes.readUInt32LE(0);
  if (magic === 0xfeedfacf || magic === 0xfeedface) return { format: 'macho', os: 'darwin', ...arch(MACHO_ARCH[bytes.readUInt32LE(4)]) };
  if (bytes.readUInt32BE(0) === 0xcafebabe) {
    // Universal binary: report the single architecture if there is one; a fat amd64+arm64 binary matches both.
    const count = bytes.readUInt32BE(4);
    const arches = Array.from({ length: Math.min(count, 8) }, (_, i) => MACHO_ARCH[bytes.readUInt32BE(8 + i * 20)]);
    return { format: 'macho', os: 'darwin', ...arch(arches.length === 1 ? arches[0] : undefined) };
  }
  if (bytes.toString('latin1', 0, 2) === 'MZ') return detectPe(bytes);
  return undefined;
}

function detectElf(bytes: Buffer): BinaryPlatform {
  const bigEndian = bytes[5] === 2;
  const machine = bigEndian ? bytes.readUInt16BE(18) : bytes.readUInt16LE(18);
  // OSABI 0 (System V) and 3 (GNU/Linux) both mean linux for Go binaries.
  const os = ELF_OS[bytes[7] ?? 0] ?? 'linux';
  return { format: 'elf', os, ...arch(ELF_ARCH[machine]) };
}

function detectPe(bytes: Buffer): BinaryPlatform {
  const offset = bytes.readUInt32LE(0x3c);
  if (offset + 6 > bytes.length || bytes.toString('latin1', offset, offset + 4) !== 'PE\0\0') return { format: 'pe', os: 'windows' };
  return { format: 'pe', os: 'windows', ...arch(PE_ARCH[bytes.readUInt16LE(offset + 4)]) };
}

function arch(value: string | undefined): { arch?: string } {
  return value === undefined ? {} : { arch: value };
}
