import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

import * as core from '@actions/core';
import * as glob from '@actions/glob';
import { createRegistryClient, publishRelease, type RegistryClient } from '@signet/client';
import { decryptPrivateKey, inspectKey, isSignetError, parseManifest, type KeyInfo } from '@signet/core';
import {
  packageRelease,
  readReleaseFiles,
  selectReleaseFiles,
  signRelease,
  validateRelease,
  type ReleaseReport,
} from '@signet/core/node';

import { buildGo, goVersion } from './build-go';
import { publishGithubRelease } from './github-release';
import { readInputs, type ActionInputs } from './inputs';
import { describeFiles, writeSummary } from './summary';

type PrivateKeyLike = Awaited<ReturnType<typeof decryptPrivateKey>>;

/** The whole action: preflight, build or collect, package and sign, validate, publish, GitHub release. */
export async function run(): Promise<void> {
  try {
    await release();
  } catch (error) {
    core.setFailed(isSignetError(error) || error instanceof Error ? error.message : String(error));
  }
}

async function release(): Promise<void> {
  const started = Date.now();
  const { inputs, key, keyInfo, client } = await core.group('Preflight', preflight);
  try {
    const cwd = resolve(inputs.workingDirectory);
    const outDir = resolve(cwd, inputs.out);
    const binDir = join(outDir, '.bin');
    let sources: string[];
    if (inputs.build === 'go') {
      sources = [
        await core.group(`Build ${inputs.platforms.length} platforms with go`, () =>
          buildGo({
            name: inputs.provider,
            version: inputs.version,
            platforms: inputs.platforms,
            dir: cwd,
            goPackage: inputs.goPackage,
            outDir: binDir,
            onPlatform: (platform, ms) => core.info(`built ${platform} in ${(ms / 1000).toFixed(1)} s`),
          }),
        ),
      ];
    } else {
      sources = await core.group('Collect artifacts', async () => {
        const globber = await glob.create(inputs.artifacts.map((p) => resolve(cwd, p)).join('\n'), {
          implicitDescendants: false,
        });
        const found = await globber.glob();
        if (found.length === 0) {
          throw new Error(
            `No artifacts match ${JSON.stringify(inputs.artifacts)} in ${cwd}; set artifacts to your binaries, zips or goreleaser dist/, or use build: go.`,
          );
        }
        for (const path of found) core.info(path);
        await checkManifestProtocols(found, inputs.protocols);
        return found;
      });
    }

    await core.group('Package, checksum and sign', async () => {
      const packaged = await packageRelease({
        name: inputs.provider,
        version: inputs.version,
        protocols: inputs.protocols,
        inputs: sources.map((path) => ({ path })),
        outDir,
        platforms: inputs.platforms,
      });
      for (const file of packaged.files) core.info(`${file.fileName}  ${file.sha256}`);
      const signed = await signRelease(await releaseFiles(outDir, inputs), key);
      core.info(`signed ${signed.signature.fileName} with key ${keyInfo.keyId}`);
    });
    const report = await core.group('Validate', async () => {
      const result = await validateRelease({
        files: await releaseFiles(outDir, inputs),
        name: inputs.provider,
        version: inputs.version,
        protocols: inputs.protocols,
        keys: [key.toPublic().armor()],
        requiredPlatforms: inputs.platforms,
      });
      annotate(result, outDir);
      if (!result.ok) {
        const errors = result.problems.filter((p) => p.severity === 'error');
        throw new Error(
          `The release has ${errors.length} error(s), nothing was published: ${errors.map((p) => `${p.code}: ${p.message}`).join(' | ')}`,
        );
      }
      core.info(`OK: ${result.platforms.length} platforms, signed by ${result.keyId ?? keyInfo.keyId}`);
      return result;
    });
    await rm(binDir, { recursive: true, force: true });

    const files = await releaseFiles(outDir, inputs);
    let versionUrl: string | undefined;
    if (client && !inputs.dryRun) {
      versionUrl = await core.group(`Publish to ${client.url}`, async () => {
        const result = await publishRelease({
          client,
          namespace: inputs.namespace,
          files,
          name: inputs.provider,
          version: inputs.version,
          protocols: inputs.protocols,
          publicKey: key.toPublic().armor(),
          draft: inputs.draft,
          onProgress: (event) =>
            core.info(
              event.kind === 'step'
                ? event.message
                : event.kind === 'upload'
                  ? `uploaded ${event.fileName}`
                  : `already uploaded ${event.fileName}`,
            ),
        });
        if (result.alreadyPublished)
          core.notice(
            `${inputs.namespace}/${inputs.provider} ${inputs.version} was already published with these bytes; nothing changed.`,
          );
        else
          core.info(
            inputs.draft
              ? 'Left as a draft (draft: true).'
              : `Published ${inputs.namespace}/${inputs.provider} ${inputs.version}.`,
          );
        return `${client.url}/api/v1/providers/${inputs.namespace}/${inputs.provider}/versions/${inputs.version}`;
      });
    }
    if (inputs.githubRelease && !inputs.dryRun) {
      await core.group('GitHub release', () => publishGithubRelease({ inputs, files }));
    }

    const checksums = await readFile(files.find((f) => f.fileName.endsWith('_SHA256SUMS'))!.path, 'utf8');
    const artifacts = await describeFiles(files, report);
    core.setOutput('version', inputs.version);
    core.setOutput('key-id', keyInfo.keyId);
    core.setOutput('fingerprint', keyInfo.fingerprint);
    core.setOutput('checksums', checksums);
    core.setOutput('artifacts', JSON.stringify(artifacts));
    core.setOutput('version-url', versionUrl ?? '');
    await writeSummary({
      inputs,
      report,
      keyInfo,
      files: artifacts,
      versionUrl,
      registryHost: client ? new URL(client.url).host : undefined,
    });
    core.info(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await client?.close();
  }
}

/**
 * Everything that can fail without building: inputs, the key and its passphrase, the key's compatibility, the
 * registry and the token's rights. A wrong passphrase fails here in about a second, not after a long build.
 */
async function preflight(): Promise<{
  inputs: ActionInputs;
  key: PrivateKeyLike;
  keyInfo: KeyInfo;
  client: RegistryClient | undefined;
}> {
  const inputs = readInputs();
  core.info(
    `provider ${inputs.namespace}/${inputs.provider} ${inputs.version}, protocols ${inputs.protocols.join(', ')}, ${inputs.platforms.length} platforms`,
  );
  const keyInfo = await inspectKey(inputs.privateKey).catch((error: unknown) => {
    throw new Error(
      `Input gpg-private-key is not an OpenPGP key (${(error as Error).message}). Export it with gpg --export-secret-keys --armor KEYID.`,
    );
  });
  if (!keyInfo.isPrivate)
    throw new Error(
      `Input gpg-private-key holds the public key ${keyInfo.keyId}; signing needs the private key (gpg --export-secret-keys --armor ${keyInfo.keyId}).`,
    );
  if (!keyInfo.compatible) {
    throw new Error(
      keyInfo.problems
        .filter((p) => p.severity === 'error')
        .map((p) => p.message)
        .join(' '),
    );
  }
  const key = await decryptPrivateKey(inputs.privateKey, inputs.passphrase).catch((error: unknown) => {
    if (isSignetError(error, 'KEY_PASSPHRASE')) {
      throw new Error(
        inputs.passphrase === undefined
          ? `Key ${keyInfo.keyId} is encrypted and gpg-passphrase is empty; pass the passphrase from a secret.`
          : `The gpg-passphrase does not unlock key ${keyInfo.keyId}; check the secret (no trailing newline) or re-export the key.`,
      );
    }
    throw error;
  });
  core.info(`key ${keyInfo.keyId} (${keyInfo.algorithm}) unlocked`);
  if (inputs.build === 'go') core.info(await goVersion());

  let client: RegistryClient | undefined;
  if (inputs.registryUrl !== undefined && !inputs.dryRun) {
    client = await createRegistryClient({
      url: inputs.registryUrl,
      token: inputs.registryToken,
      caFile: inputs.caFile,
    });
    const me = await client.whoami().catch((error: unknown) => {
      throw new Error(
        `${(error as Error).message}${/40[13]/.test((error as Error).message) ? ' Check registry-token: it must be a publish token of the namespace.' : ''}`,
      );
    });
    if (me.role === 'read' || (me.role !== 'admin' && !me.namespaces.includes(inputs.namespace))) {
      throw new Error(
        `The registry-token is a ${me.role} token for ${me.namespaces.join(', ') || 'no namespace'}; it cannot publish to ${inputs.namespace}. Create one with: signet tokens create --role publish --namespace ${inputs.namespace}.`,
      );
    }
    core.info(
      `registry ${client.url}: ${me.role} token for ${me.role === 'admin' ? 'every namespace' : me.namespaces.join(', ')}`,
    );
  }
  return { inputs, key, keyInfo, client };
}

/**
 * A goreleaser dist/ carries the manifest the author meant (`protocol_versions`); publishing it under other
 * protocols would install and then fail at plan ("Incompatible API version"), so a difference stops the run.
 */
async function checkManifestProtocols(paths: readonly string[], protocols: readonly string[]): Promise<void> {
  const manifests: string[] = [];
  for (const path of paths) {
    if (path.endsWith('_manifest.json')) manifests.push(path);
    else if ((await stat(path)).isDirectory()) {
      for (const name of await readdir(path)) if (name.endsWith('_manifest.json')) manifests.push(join(path, name));
    }
  }
  for (const manifest of manifests) {
    const declared = parseManifest(await readFile(manifest, 'utf8')).protocols;
    if (declared.join() !== protocols.join()) {
      throw new Error(
        `${manifest} declares protocols ${declared.join(', ')}, but the protocols input is ${protocols.join(', ')}; set protocols: ${declared.join(',')} (terraform-plugin-sdk v2 providers speak 5.0, the plugin framework 6.0).`,
      );
    }
  }
}

async function releaseFiles(outDir: string, inputs: ActionInputs) {
  return selectReleaseFiles(await readReleaseFiles([outDir]), inputs.provider, inputs.version);
}

/** Every problem becomes an annotation on the file it is about. */
function annotate(report: ReleaseReport, outDir: string): void {
  for (const problem of report.problems) {
    // Annotations link to files by their path in the repository checkout.
    const file = problem.file && relative(process.env.GITHUB_WORKSPACE ?? process.cwd(), join(outDir, problem.file));
    const properties = { title: problem.code, ...(file ? { file } : {}) };
    if (problem.severity === 'error') core.error(problem.message, properties);
    else core.warning(problem.message, properties);
  }
}
