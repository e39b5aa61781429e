/**
 * Tiny executables with real headers for every platform, so tests, the demo and the benchmarks can build
 * releases without a Go toolchain. They carry the header fields `detectBinaryPlatform` reads (ELF e_machine and
 * OSABI, Mach-O cputype, PE Machine) followed by filler; they do not run.
 */
const ELF_MACHINE: Record<string, number> = {
  '386': 3,
  amd64: 62,
  arm: 40,
  arm64: 183,
  ppc64le: 21,
  riscv64: 243,
  s390x: 22,
};
const ELF_64_BIT = new Set(['amd64', 'arm64', 'ppc64le', 'riscv64', 's390x']);
const ELF_OSABI: Record<string, number> = { linux: 0, freebsd: 9, openbsd: 12, solaris: 6 };
const MACHO_CPU: Record<string, number> = { amd64: 0x01000007, arm64: 0x0100000c };
const PE_MACHINE: Record<string, number> = { '386': 0x14c, amd64: 0x8664, arm: 0x1c4, arm64: 0xaa64 };

/** Header bytes of an executable for `os_arch`, padded with `size - header` bytes of a fixed pattern. */
export function createFakeExecutable(platform: string, size = 4096, seed = 0): Buffer {
  const [os, arch] = platform.split('_') as [string, string];
  const buffer = Buffer.alloc(Math.max(size, 256));
  for (let i = 256; i < buffer.length; i++) buffer[i] = (i * 31 + seed) & 0xff;
  if (os === 'darwin') {
    buffer.writeUInt32LE(0xfeedfacf, 0);
    buffer.writeUInt32LE(requireValue(MACHO_CPU, arch, platform), 4);
    buffer.writeUInt32LE(2, 12); // MH_EXECUTE
  } else if (os === 'windows') {
    buffer.write('MZ', 0, 'latin1');
    buffer.writeUInt32LE(0x80, 0x3c);
    buffer.write('PE\0\0', 0x80, 'latin1');
    buffer.writeUInt16LE(requireValue(PE_MACHINE, arch, platform), 0x84);
  } else {
    buffer.write('\x7fELF', 0, 'latin1');
    buffer[4] = ELF_64_BIT.has(arch) ? 2 : 1;
    buffer[5] = arch === 's390x' ? 2 : 1;
    buffer[6] = 1;
    buffer[7] = requireValue(ELF_OSABI, os, platform);
    const big = buffer[5] === 2;
    if (big) {
      buffer.writeUInt16BE(2, 16);
      buffer.writeUInt16BE(requireValue(ELF_MACHINE, arch, platform), 18);
    } else {
      buffer.writeUInt16LE(2, 16);
      buffer.writeUInt16LE(requireValue(ELF_MACHINE, arch, platform), 18);
    }
  }
  return buffer;
}

function requireValue(table: Record<string, number>, key: string, platform: string): number {
  const value = table[key];
  if (value === undefined) throw new Error(`No fake executable format for ${platform}`);
  return value;
}
