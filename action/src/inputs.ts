import * as core from '@actions/core';
import {
  assertNamespace,
  assertProviderName,
  DEFAULT_PLATFORMS,
  isKnownPlatform,
  normalizeProtocols,
  parseVersion,
  SignetError,
} from '@signet/core';

/** The action's inputs, read, defaulted and checked: everything preflight can know without any work. */
export interface ActionInputs {
  registryUrl: string | undefined;
  registryToken: string | undefined;
  namespace: string;
  provider: string;
  version: string;
  protocols: string[];
  platforms: string[];
  build: 'go' | 'none';
  goPackage: string;
  artifacts: string[];
  privateKey: string;
  passphrase: string | undefined;
  caFile: string | undefined;
  workingDirectory: string;
  out: string;
  draft: boolean;
  githubRelease: boolean;
  githubToken: string | undefined;
  dryRun: boolean;
}

/** A failure the user fixes in the workflow: the message says how. */
export class InputError extends SignetError {
  constructor(message: string) {
    super('INPUT_INVALID', message);
  }
}

/**
 * Reads the inputs as the runner gives them (`INPUT_*`), with the defaults GitHub itself cannot express: the
 * provider from the repository name, the version from the tag. Secrets are masked before anything else happens.
 */
export function readInputs(env: NodeJS.ProcessEnv = process.env): ActionInputs {
  const privateKey = core.getInput('gpg-private-key');
  const passphrase = core.getInput('gpg-passphrase') || undefined;
  const registryToken = core.getInput('registry-token') || undefined;
  const githubToken = core.getInput('github-token') || undefined;
  for (const secret of [privateKey, passphrase, registryToken, githubToken]) if (secret) core.setSecret(secret);
  if (!privateKey.trim()) {
    throw new InputError(
      'Input gpg-private-key is empty: pass the armored private key from a secret, e.g. ${{ secrets.GPG_PRIVATE_KEY }}.',
    );
  }

  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner = '', repo = ''] = repository.split('/');
  const provider =
    core.getInput('provider') ||
    (repo.startsWith('terraform-provider-') ? repo.slice('terraform-provider-'.length) : '');
  if (!provider) {
    throw new InputError(
      `Cannot tell the provider name from the repository ${JSON.stringify(repository)} (expected terraform-provider-NAME); set the input provider.`,
    );
  }
  assertProviderName(provider);
  const namespace = core.getInput('namespace') || owner.toLowerCase();
  assertNamespace(namespace);

  const version = resolveVersion(core.getInput('version'), env.GITHUB_REF ?? '');
  const protocols = normalizeProtocols(list(core.getInput('protocols') || '6.0'));
  const platforms = list(core.getInput('platforms'));
  for (const platform of platforms) {
    if (!isKnownPlatform(platform))
      throw new InputError(
        `Input platforms: ${JSON.stringify(platform)} is not an os_arch that tofu/terraform know (e.g. linux_amd64).`,
      );
  }
  const build = core.getInput('build') || 'none';
  if (build !== 'go' && build !== 'none')
    throw new InputError(`Input build is ${JSON.stringify(build)}; expected go or none.`);
  const registryUrl = core.getInput('registry-url') || undefined;
  const dryRun = core.getBooleanInput('dry-run');
  if (!dryRun && registryUrl === undefined && !core.getBooleanInput('github-release')) {
    throw new InputError(
      'Input registry-url is empty: set it to your Signet registry, or set dry-run: true to stop after validation.',
    );
  }
  if (registryUrl !== undefined && !dryRun && registryToken === undefined) {
    throw new InputError(
      'Input registry-token is empty: pass a publish token for the namespace from a secret, e.g. ${{ secrets.SIGNET_TOKEN }}.',
    );
  }
  return {
    registryUrl,
    registryToken,
    namespace,
    provider,
    version,
    protocols,
    platforms: platforms.length > 0 ? platforms : [...DEFAULT_PLATFORMS],
    build,
    goPackage: core.getInput('go-package') || '.',
    artifacts: list(core.getInput('artifacts') || 'dist'),
    privateKey,
    passphrase,
    caFile: core.getInput('ca-file') || undefined,
    workingDirectory: core.getInput('working-directory') || '.',
    out: core.getInput('out') || 'signet-release',
    draft: core.getBooleanInput('draft'),
    githubRelease: core.getBooleanInput('github-release'),
    githubToken,
    dryRun,
  };
}

/** The version: the input, else the tag; when both are there they must agree. */
function resolveVersion(input: string, ref: string): string {
  const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
  if (!input && tag === undefined) {
    throw new InputError(
      `No version: this run is for ${JSON.stringify(ref || 'no ref')}, not a tag. Trigger the workflow on tags (on: push: tags: ['v*']) or set the input version.`,
    );
  }
  const fromTag = tag === undefined ? undefined : parseTagVersion(tag);
  const version = input ? parseVersion(input) : fromTag!;
  if (fromTag !== undefined && input && fromTag !== version) {
    throw new InputError(
      `The tag ${tag} is version ${fromTag}, but the input version is ${version}; tag the commit v${version} or fix the input.`,
    );
  }
  return version;
}

function parseTagVersion(tag: string): string {
  try {
    return parseVersion(tag);
  } catch (error) {
    throw new InputError(
      `The tag ${JSON.stringify(tag)} is not a semver version (${(error as Error).message}); tag releases like v1.2.3.`,
    );
  }
}

function list(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
