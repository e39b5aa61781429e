import { SignetError } from './errors';

/** An `os_arch` pair as terraform names it (`linux_amd64`). */
export interface Platform {
  os: string;
  arch: string;
}

/** The 13 platforms of HashiCorp's provider scaffolding: the default release set. */
export const DEFAULT_PLATFORMS = [
  'darwin_amd64',
  'darwin_arm64',
  'freebsd_386',
  'freebsd_amd64',
  'freebsd_arm',
  'freebsd_arm64',
  'linux_386',
  'linux_amd64',
  'linux_arm',
  'linux_arm64',
  'windows_386',
  'windows_amd64',
  'windows_arm64',
] as const;

/** Operating systems terraform/tofu are built for (Go's GOOS values that matter for providers). */
export const KNOWN_OS = ['darwin', 'freebsd', 'linux', 'openbsd', 'solaris', 'windows'] as const;

/** Architectures terraform/tofu are built for (Go's GOARCH values that matter for providers). */
export const KNOWN_ARCH = ['386', 'amd64', 'arm', 'arm64', 'ppc64le', 'riscv64', 's390x'] as const;

const PLATFORM_PATTERN = /^([a-z0-9]+)_([a-z0-9]+)$/;

/** True when `value` is a known `os_arch`. */
export function isKnownPlatform(value: string): boolean {
  const match = PLATFORM_PATTERN.exec(value);
  return (
    match !== null &&
    (KNOWN_OS as readonly string[]).includes(match[1]!) &&
    (KNOWN_ARCH as readonly string[]).includes(match[2]!)
  );
}

/** Parses `os_arch`; throws `PLATFORM_UNKNOWN` for anything else. */
export function parsePlatform(value: string): Platform {
  if (!isKnownPlatform(value)) {
    throw new SignetError(
      'PLATFORM_UNKNOWN',
      `Unknown platform ${JSON.stringify(value)}: expected os_arch with os one of ${KNOWN_OS.join(', ')} and arch one of ${KNOWN_ARCH.join(', ')} (for example "linux_amd64").`,
    );
  }
  const [os, arch] = value.split('_') as [string, string];
  return { os, arch };
}

/** `{os, arch}` → `os_arch`. */
export function formatPlatform(platform: Platform): string {
  return `${platform.os}_${platform.arch}`;
}
