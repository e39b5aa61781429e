import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { isSignetError, type SignetError } from './errors';
import {
  assertNamespace,
  assertProviderName,
  isValidNamespace,
  isValidProviderName,
  formatExecutableName,
  formatManifestName,
  formatShasumsName,
  formatSignatureName,
  formatZipName,
  parseArtifactName,
  parseExecutableName,
} from './names';
import { KNOWN_ARCH, KNOWN_OS } from './platforms';

function thrown(fn: () => unknown): SignetError {
  try {
    fn();
  } catch (error) {
    if (isSignetError(error)) return error;
    throw error;
  }
  throw new Error('expected a SignetError');
}

// Arbitraries for what the module promises to round-trip: Terraform names, semver versions, os_arch platforms.
const nameArb = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/);
const numberArb = fc.nat().map(String);
const preReleaseIdArb = fc.oneof(numberArb, fc.stringMatching(/^[0-9A-Za-z-]{0,4}[A-Za-z-][0-9A-Za-z-]{0,4}$/));
const versionArb = fc
  .tuple(numberArb, numberArb, numberArb, fc.option(fc.array(preReleaseIdArb, { minLength: 1, maxLength: 4 })))
  .map(([major, minor, patch, pre]) => `${major}.${minor}.${patch}${pre === null ? '' : `-${pre.join('.')}`}`);
const platformArb = fc.oneof(
  fc.tuple(fc.constantFrom(...KNOWN_OS), fc.constantFrom(...KNOWN_ARCH)).map(([os, arch]) => `${os}_${arch}`),
  fc.stringMatching(/^[a-z0-9]{1,10}_[a-z0-9]{1,10}$/),
);

describe('assertProviderName / assertNamespace', () => {
  it.each(['hello', 'aws-extra', 'a', '0', 'x1-2-y', 'a'.repeat(64)])('accepts %j', (name) => {
    expect(() => assertProviderName(name)).not.toThrow();
    expect(() => assertNamespace(name)).not.toThrow();
  });

  it.each(['', '-hello', 'hello-', 'Hello', 'hello_world', 'hello.world', 'hel lo', 'héllo', 'a'.repeat(65)])(
    'refuses %j with NAME_INVALID',
    (name) => {
      const error = thrown(() => assertProviderName(name));
      expect(error.code).toBe('NAME_INVALID');
      expect(error.message).toContain(`Invalid provider name ${JSON.stringify(name)}`);
      expect(error.message).toContain('lowercase letters, digits and dashes');
      expect(error.message).toContain('"hello"');
    },
  );

  // terraform-protocol.md "Name rules": each of these fails `terraform init` with "Invalid provider namespace/type".
  it.each(['ac--me', 'xn--acme', 'he--llo'])('refuses %j: terraform refuses two dashes in a row', (name) => {
    expect(isValidNamespace(name)).toBe(false);
    expect(isValidProviderName(name)).toBe(false);
    expect(thrown(() => assertNamespace(name)).message).toContain('two dashes in a row');
  });

  it('refuses a type that starts with "terraform-", with the name to use instead; a namespace may', () => {
    expect(isValidProviderName('terraform-provider-x')).toBe(false);
    expect(isValidProviderName('terraform-x')).toBe(false);
    expect(isValidNamespace('terraform-x')).toBe(true);
    expect(thrown(() => assertProviderName('terraform-provider-x')).message).toContain('drop the prefix ("x")');
  });

  it.each(['acme\0anything', 'acme\n', '\u0000', 'acme%00'])('isValid* refuses %j', (name) => {
    expect(isValidNamespace(name)).toBe(false);
    expect(isValidProviderName(name)).toBe(false);
  });

  it('names the namespace and its example in its message', () => {
    const error = thrown(() => assertNamespace('Acme'));
    expect(error.code).toBe('NAME_INVALID');
    expect(error.message).toContain('Invalid namespace "Acme"');
    expect(error.message).toContain('"acme"');
  });
});

describe('format*Name', () => {
  it('builds the names goreleaser and terraform use', () => {
    expect(formatZipName('hello', '1.2.3', 'linux_amd64')).toBe('terraform-provider-hello_1.2.3_linux_amd64.zip');
    expect(formatShasumsName('hello', '1.2.3')).toBe('terraform-provider-hello_1.2.3_SHA256SUMS');
    expect(formatSignatureName('hello', '1.2.3')).toBe('terraform-provider-hello_1.2.3_SHA256SUMS.sig');
    expect(formatManifestName('hello', '1.2.3')).toBe('terraform-provider-hello_1.2.3_manifest.json');
  });

  it('adds .exe to the executable on windows only', () => {
    expect(formatExecutableName('hello', '1.2.3', 'linux')).toBe('terraform-provider-hello_v1.2.3');
    expect(formatExecutableName('hello', '1.2.3', 'darwin')).toBe('terraform-provider-hello_v1.2.3');
    expect(formatExecutableName('hello', '1.2.3', 'windows')).toBe('terraform-provider-hello_v1.2.3.exe');
  });
});

describe('parseArtifactName', () => {
  it('takes apart each of the four artifact kinds', () => {
    expect(parseArtifactName('terraform-provider-aws-extra_1.0.0-rc.1_windows_arm64.zip')).toEqual({
      kind: 'zip',
      name: 'aws-extra',
      version: '1.0.0-rc.1',
      platform: 'windows_arm64',
    });
    expect(parseArtifactName('terraform-provider-hello_1.0.0_SHA256SUMS')).toEqual({
      kind: 'shasums',
      name: 'hello',
      version: '1.0.0',
    });
    expect(parseArtifactName('terraform-provider-hello_1.0.0_SHA256SUMS.sig')).toEqual({
      kind: 'signature',
      name: 'hello',
      version: '1.0.0',
    });
    expect(parseArtifactName('terraform-provider-hello_1.0.0_manifest.json')).toEqual({
      kind: 'manifest',
      name: 'hello',
      version: '1.0.0',
    });
  });

  it('returns the platform raw, without checking it is known', () => {
    expect(parseArtifactName('terraform-provider-hello_1.0.0_plan9_mips.zip')).toMatchObject({
      kind: 'zip',
      platform: 'plan9_mips',
    });
  });

  it('stays loose about names, versions and platforms, so the validator can say what is wrong', () => {
    expect(parseArtifactName('terraform-provider-Hello_1.0_linux_amd64.zip')).toEqual({
      kind: 'zip',
      name: 'Hello',
      version: '1.0',
      platform: 'linux_amd64',
    });
    // The name ends at the first `_`; the version takes what the suffix leaves.
    expect(parseArtifactName('terraform-provider-hello_1.0.0_linux_amd64_v1.zip')).toEqual({
      kind: 'zip',
      name: 'hello',
      version: '1.0.0_linux',
      platform: 'amd64_v1',
    });
    expect(parseArtifactName('terraform-provider-hello_v1.0.0+build_SHA256SUMS')).toEqual({
      kind: 'shasums',
      name: 'hello',
      version: 'v1.0.0+build',
    });
  });

  it.each([
    'hello_1.0.0_linux_amd64.zip',
    'terraform-provider-_1.0.0_linux_amd64.zip',
    'terraform-provider-hello_1.0.0_linux_amd64.tar.gz',
    'terraform-provider-hello_1.0.0_linux.zip',
    'terraform-provider-hello_1.0.0.zip',
    'terraform-provider-hello_1.0.0_SHA256SUMS.asc',
    'terraform-provider-hello_1.0.0_sha256sums',
    'terraform-provider-hello_1.0.0_manifest.yaml',
    'terraform-provider-hello__SHA256SUMS',
    'terraform-provider-hello_1.0/0_SHA256SUMS',
    'dist/terraform-provider-hello_1.0.0_SHA256SUMS',
    'terraform-provider-hello_v1.0.0',
    '',
  ])('returns undefined for %j', (fileName) => {
    expect(parseArtifactName(fileName)).toBeUndefined();
  });

  it('gives back name, version and platform of every formatted name (property)', () => {
    fc.assert(
      fc.property(nameArb, versionArb, platformArb, (name, version, platform) => {
        expect(parseArtifactName(formatZipName(name, version, platform))).toEqual({
          kind: 'zip',
          name,
          version,
          platform,
        });
        expect(parseArtifactName(formatShasumsName(name, version))).toEqual({ kind: 'shasums', name, version });
        expect(parseArtifactName(formatSignatureName(name, version))).toEqual({ kind: 'signature', name, version });
        expect(parseArtifactName(formatManifestName(name, version))).toEqual({ kind: 'manifest', name, version });
      }),
    );
  });
});

describe('parseExecutableName', () => {
  it('reads the long form with and without version and .exe', () => {
    expect(parseExecutableName('terraform-provider-hello_v1.2.3')).toEqual({
      name: 'hello',
      version: '1.2.3',
      exe: false,
    });
    expect(parseExecutableName('terraform-provider-hello_v1.2.3-rc.1.exe')).toEqual({
      name: 'hello',
      version: '1.2.3-rc.1',
      exe: true,
    });
    expect(parseExecutableName('terraform-provider-aws-extra')).toEqual({ name: 'aws-extra', exe: false });
    expect(parseExecutableName('terraform-provider-hello.exe')).toEqual({ name: 'hello', exe: true });
  });

  it('reads the short form NAME_vVERSION only with a version', () => {
    expect(parseExecutableName('hello_v1.2.3')).toEqual({ name: 'hello', version: '1.2.3', exe: false });
    expect(parseExecutableName('hello_v1.2.3.exe')).toEqual({ name: 'hello', version: '1.2.3', exe: true });
    expect(parseExecutableName('hello')).toBeUndefined();
    expect(parseExecutableName('hello.exe')).toBeUndefined();
  });

  it.each([
    '',
    'Hello_v1.0.0',
    'terraform-provider-',
    'terraform-provider-hello_1.0.0',
    'bin/hello_v1.0.0',
    'README.md',
  ])('returns undefined for %j', (fileName) => {
    expect(parseExecutableName(fileName)).toBeUndefined();
  });

  it('gives back what formatExecutableName wrote (property)', () => {
    // A pre-release ending in ".exe" (1.0.0-x.exe) is left out: the name cannot tell it from the suffix.
    const plainVersion = versionArb.filter((v) => !v.endsWith('.exe'));
    fc.assert(
      fc.property(nameArb, plainVersion, fc.constantFrom(...KNOWN_OS), (name, version, os) => {
        expect(parseExecutableName(formatExecutableName(name, version, os))).toEqual({
          name,
          version,
          exe: os === 'windows',
        });
      }),
    );
  });
});
