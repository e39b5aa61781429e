// The core's split by runtime: the root `@signet/core` bundles for a browser (the desktop's renderer) with no Node
// builtin imported and runs where neither Buffer nor process exists; what reads files is `@signet/core/node`.
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

import { build, type Plugin } from 'esbuild';
import type { PrivateKey } from 'openpgp';
import { describe, expect, it } from 'vitest';

import * as root from './index';
import * as node from './node';

const here = fileURLToPath(new URL('.', import.meta.url));
const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Bundles `entry` for `platform: 'browser'`, recording every Node builtin some module imports. */
async function bundleForBrowser(entry: string) {
  const builtins: string[] = [];
  const recordBuiltins: Plugin = {
    name: 'record-node-builtins',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.replace(/^node:/, '').split('/')[0]!;
        if (!args.path.startsWith('node:') && !NODE_BUILTINS.has(args.path) && !NODE_BUILTINS.has(bare))
          return undefined;
        builtins.push(`${args.path} (imported by ${args.importer.replace(here, '')})`);
        return { path: args.path, external: true };
      });
    },
  };
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'signetCore',
    conditions: ['source'],
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [recordBuiltins],
  });
  return { builtins, code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
}

describe('@signet/core root', () => {
  it('bundles for the browser without any Node builtin, and runs without Buffer or process', async () => {
    const { builtins, code, inputs } = await bundleForBrowser(`${here}index.ts`);
    expect(builtins).toEqual([]);
    // The modules that read files are not in it at all.
    expect(
      inputs.filter((path) =>
        /core\/src\/(hashes|release-files|read-capped|zip-|collect|package|validate|sign-release|release-config)/.test(
          path,
        ),
      ),
    ).toEqual([]);

    // Run as on a web page: `self` is the global (openpgp finds crypto there); Buffer, process, require, global,
    // module are not defined. Same realm as the test, so Uint8Array and TextEncoder are the ones it compares with.
    const hidden = ['Buffer', 'process', 'require', 'global', 'module', 'exports', 'setImmediate'];
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const load = new Function('self', 'window', ...hidden, `${code}; return signetCore;`) as (
      ...args: unknown[]
    ) => unknown;
    const core = load(globalThis, globalThis, ...hidden.map(() => undefined)) as typeof root;
    expect(core.compareUtf8('\uFF21', '\u{1F600}')).toBe(-1);
    expect(core.formatZh('ABC')).toBe('zh:abc');
    expect(core.parsePlatform('linux_amd64')).toEqual({ os: 'linux', arch: 'amd64' });
    const sums = core.formatShasums([
      { fileName: 'terraform-provider-hello_1.0.0_linux_amd64.zip', sha256: 'a'.repeat(64) },
    ]);
    expect(core.parseShasums(sums)).toEqual([
      { fileName: 'terraform-provider-hello_1.0.0_linux_amd64.zip', sha256: 'a'.repeat(64) },
    ]);
    const elf = new Uint8Array(64);
    elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
    elf[18] = 183; // EM_AARCH64, little-endian
    expect(core.detectBinaryPlatform(elf)).toEqual({ format: 'elf', os: 'linux', arch: 'arm64' });

    // OpenPGP through the browser build of openpgp: make a key, sign SHA256SUMS, verify it.
    const key = await core.generateKey({ name: 'Split Test', email: 'split@example.com', algorithm: 'ed25519' });
    const shasums = new TextEncoder().encode(sums);
    const signature = await core.signShasums(shasums, (await core.readKey(key.privateKeyArmored)) as PrivateKey);
    const verified = await core.verifyShasumsSignature({ shasums, signature, keys: [key.publicKeyArmored] });
    expect(verified).toMatchObject({ valid: true, signerKeyId: key.info.keyId });
  });

  it('and node.ts together export what the root exported before the split, with no name in both', () => {
    const moved = [
      'hash1',
      'hashDir',
      'sha256File',
      'readReleaseFiles',
      'selectReleaseFiles',
      'readCapped',
      'DEFAULT_ZIP_LIMITS',
      'inflateBudget',
      'inspectZip',
      'unsafeReason',
      'writeProviderZip',
      'collectInputs',
      'platformOfDir',
      'packageRelease',
      'signRelease',
      'validateRelease',
      'createValidationCache',
      'parseKeyId',
      'parseReleaseConfig',
      'readReleaseConfig',
    ];
    expect(Object.keys(node).sort()).toEqual([...moved].sort());
    expect(Object.keys(root).filter((name) => name in node)).toEqual([]);
    for (const name of ['EMPTY_SHA256', 'formatZh', 'ARTIFACT_SIZE_LIMITS', 'createOversizeProblem', 'compareUtf8'])
      expect(root).toHaveProperty(name);
  });
});
