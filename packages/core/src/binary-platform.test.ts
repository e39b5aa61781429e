import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';

import { describe, expect, it } from 'vitest';

import { BINARY_HEADER_BYTES, detectBinaryPlatform } from './binary-platform';
import { DEFAULT_PLATFORMS } from './platforms';
import { createFakeExecutable } from './testing/fake-executable';

describe('detectBinaryPlatform', () => {
  it.each(DEFAULT_PLATFORMS)('reads %s from its header', (platform) => {
    const [os, arch] = platform.split('_');
    expect(detectBinaryPlatform(createFakeExecutable(platform))).toMatchObject({ os, arch });
  });

  async function readHeader(path: string): Promise<Buffer> {
    const file = await open(path);
    try {
      const header = Buffer.alloc(BINARY_HEADER_BYTES);
      const { bytesRead } = await file.read(header, 0, header.length, 0);
      return header.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }

  it.skipIf(process.platform !== 'linux' || process.arch !== 'x64')(
    'reads the real node executable running this test as linux_amd64',
    async () => {
      expect(detectBinaryPlatform(await readHeader(process.execPath))).toEqual({
        format: 'elf',
        os: 'linux',
        arch: 'amd64',
      });
    },
  );

  it.skipIf(!existsSync('/usr/local/bin/terraform'))('reads a real Go binary (terraform, linux_amd64)', async () => {
    expect(detectBinaryPlatform(await readHeader('/usr/local/bin/terraform'))).toEqual({
      format: 'elf',
      os: 'linux',
      arch: 'amd64',
    });
  });

  it('claims nothing for a real shell script', async () => {
    const script = execFileSync('sh', ['-c', 'command -v gunzip || command -v zgrep || true'], {
      encoding: 'utf8',
    }).trim();
    const header =
      script === '' ? Buffer.from('#!/bin/sh\nexec gzip -d "$@"\n'.padEnd(4096, '#')) : await readHeader(script);
    expect(header.subarray(0, 2).toString()).toBe('#!');
    expect(detectBinaryPlatform(header)).toBeUndefined();
  });

  it('claims nothing for a shell script, a short file or a Java class', () => {
    expect(detectBinaryPlatform(Buffer.from('#!/bin/sh\necho hello\n'.padEnd(200, '#')))).toBeUndefined();
    expect(detectBinaryPlatform(Buffer.from('\x7fELF'))).toBeUndefined();
    const javaClass = Buffer.alloc(64);
    javaClass.writeUInt32BE(0xcafebabe, 0);
    javaClass.writeUInt32BE(52, 4); // minor 0, major 52 (Java 8) where a universal binary keeps its count
    expect(detectBinaryPlatform(javaClass)).toBeUndefined();
  });

  it('reads universal Mach-O binaries: one arch is a claim, two are none', () => {
    const fat = (cpus: number[]) => {
      const bytes = Buffer.alloc(128);
      bytes.writeUInt32BE(0xcafebabe, 0);
      bytes.writeUInt32BE(cpus.length, 4);
      cpus.forEach((cpu, i) => bytes.writeUInt32BE(cpu, 8 + i * 20));
      return bytes;
    };
    expect(detectBinaryPlatform(fat([0x0100000c]))).toEqual({ format: 'macho', os: 'darwin', arch: 'arm64' });
    expect(detectBinaryPlatform(fat([0x01000007, 0x0100000c]))).toEqual({ format: 'macho', os: 'darwin' });
  });

  it('reads the PE machine at e_lfanew, and arm as 0x1c0 or 0x1c4', () => {
    const pe = Buffer.alloc(1024);
    pe.write('MZ', 0, 'latin1');
    pe.writeUInt32LE(0x200, 0x3c);
    pe.write('PE\0\0', 0x200, 'latin1');
    pe.writeUInt16LE(0x1c0, 0x204);
    expect(detectBinaryPlatform(pe)).toEqual({ format: 'pe', os: 'windows', arch: 'arm' });
    pe.writeUInt32LE(0x10000, 0x3c); // beyond the header bytes: the format is known, the machine is not
    expect(detectBinaryPlatform(pe)).toEqual({ format: 'pe', os: 'windows' });
  });

  it('reads FreeBSD from ELF OSABI 9 and linux from 0 and 3', () => {
    const elf = createFakeExecutable('linux_arm64');
    expect(detectBinaryPlatform(elf)?.os).toBe('linux');
    elf[7] = 3;
    expect(detectBinaryPlatform(elf)?.os).toBe('linux');
    elf[7] = 9;
    expect(detectBinaryPlatform(elf)).toEqual({ format: 'elf', os: 'freebsd', arch: 'arm64' });
  });
});
