/** What an executable's header says about the platform it was built for. */
export interface BinaryPlatform {
  format: 'elf' | 'macho' | 'pe';
  /** Go's GOOS name. For ELF with OSABI 0 this is `linux`, which System V OSes (solaris) share. */
  os?: string;
  /** Go's GOARCH name; absent when the machine type is unknown or a universal binary holds several. */
  arch?: string;
}

/**
 * How many leading bytes `detectBinaryPlatform` needs. ELF and Mach-O headers sit in the first 64 bytes; the PE
 * header sits at `e_lfanew`, which Go's linker and MSVC put below 0x100 and which is within 4 KiB in practice.
 */
export const BINARY_HEADER_BYTES = 4096;

const ELF_ARCH: Record<number, string> = {
  3: '386',
  62: 'amd64',
  40: 'arm',
  183: 'arm64',
  21: 'ppc64le',
  243: 'riscv64',
  22: 's390x',
};
// Go's linker marks freebsd, netbsd and openbsd builds with their OSABI; linux and the other System V OSes stay 0.
const ELF_OS: Record<number, string> = { 2: 'netbsd', 3: 'linux', 6: 'solaris', 9: 'freebsd', 12: 'openbsd' };
const MACHO_ARCH: Record<number, string> = { 0x7: '386', 0x01000007: 'amd64', 0xc: 'arm', 0x0100000c: 'arm64' };
const PE_ARCH: Record<number, string> = { 0x14c: '386', 0x8664: 'amd64', 0x1c0: 'arm', 0x1c4: 'arm', 0xaa64: 'arm64' };
/** Java class files share 0xCAFEBABE with universal binaries; their "count" (the class version) is >= 45. */
const MAX_FAT_ARCHES = 20;

/**
 * Reads the platform an executable was built for from its first `BINARY_HEADER_BYTES` bytes: ELF (e_machine, and
 * EI_OSABI, which Go sets for freebsd builds), Mach-O (cputype, thin or universal) and PE (the COFF Machine
 * field). Unknown formats (a shell script, say) give `undefined`: nothing can be said, so nothing is claimed.
 */
export function detectBinaryPlatform(header: Uint8Array): BinaryPlatform | undefined {
  if (header.byteLength < 64) return undefined;
  const bytes = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (bytes.getUint32(0) === 0x7f454c46) return detectElf(bytes);
  const magic = bytes.getUint32(0, true);
  if (magic === 0xfeedfacf || magic === 0xfeedface)
    return { format: 'macho', os: 'darwin', ...arch(MACHO_ARCH[bytes.getUint32(4, true)]) };
  const fatMagic = bytes.getUint32(0);
  if (fatMagic === 0xcafebabe || fatMagic === 0xcafebabf) return detectFat(bytes, fatMagic === 0xcafebabf ? 32 : 20);
  if (bytes.getUint16(0) === 0x4d5a) return detectPe(bytes); // "MZ"
  return undefined;
}

// DataView reads are big-endian unless told `true` (little-endian): the pure stand-in for Buffer's readUInt*.
function detectElf(bytes: DataView): BinaryPlatform {
  const bigEndian = bytes.getUint8(5) === 2;
  const machine = bytes.getUint16(18, !bigEndian);
  // OSABI 0 is System V: what Go writes for linux (and solaris); reported as linux, see zip-inspect's check.
  const os = ELF_OS[bytes.getUint8(7)] ?? 'linux';
  return { format: 'elf', os, ...arch(ELF_ARCH[machine]) };
}

function detectFat(bytes: DataView, recordSize: number): BinaryPlatform | undefined {
  const count = bytes.getUint32(4);
  if (count === 0 || count > MAX_FAT_ARCHES) return undefined;
  const arches = new Set<string | undefined>();
  for (let i = 0; i < count && 8 + (i + 1) * recordSize <= bytes.byteLength; i++)
    arches.add(MACHO_ARCH[bytes.getUint32(8 + i * recordSize)]);
  // One architecture is a claim; an amd64+arm64 universal binary runs on both darwin platforms, so claim none.
  return { format: 'macho', os: 'darwin', ...arch(arches.size === 1 ? [...arches][0] : undefined) };
}

function detectPe(bytes: DataView): BinaryPlatform {
  const offset = bytes.getUint32(0x3c, true);
  if (offset + 6 > bytes.byteLength || bytes.getUint32(offset) !== 0x50450000) return { format: 'pe', os: 'windows' }; // "PE\0\0"
  return { format: 'pe', os: 'windows', ...arch(PE_ARCH[bytes.getUint16(offset + 4, true)]) };
}

function arch(value: string | undefined): { arch?: string } {
  return value === undefined ? {} : { arch: value };
}
