import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

import * as core from '@actions/core';
import * as github from '@actions/github';
import { sha256File, type ReleaseFile } from '@signet/core/node';

import type { ActionInputs } from './inputs';

interface Asset {
  id: number;
  name: string;
  size: number;
  digest?: string | null;
}

/**
 * Attaches the release files to the GitHub release of the tag: a draft is made first, assets are uploaded and
 * their digests checked, and the release is published last, so nobody sees a half-filled release. A re-run skips
 * identical assets; different bytes on a published release fail (they would silently change what users verified).
 */
export async function publishGithubRelease(options: {
  inputs: ActionInputs;
  files: readonly ReleaseFile[];
}): Promise<string> {
  const { inputs, files } = options;
  if (!inputs.githubToken)
    throw new Error('Input github-token is empty; the GitHub release needs a token with contents: write.');
  const octokit = github.getOctokit(inputs.githubToken);
  const { owner, repo } = github.context.repo;
  const tag = github.context.ref.startsWith('refs/tags/')
    ? github.context.ref.slice('refs/tags/'.length)
    : `v${inputs.version}`;

  const releases = await octokit.paginate(octokit.rest.repos.listReleases, { owner, repo, per_page: 100 });
  let release = releases.find((r) => r.tag_name === tag);
  if (!release) {
    release = (await octokit.rest.repos.createRelease({ owner, repo, tag_name: tag, name: tag, draft: true })).data;
    core.info(`created draft release ${tag}`);
  }
  const published = !release.draft;
  const assets = new Map<string, Asset>(release.assets.map((a) => [a.name, a as Asset]));

  const digests = new Map(
    await Promise.all(files.map(async (f) => [f.fileName, `sha256:${await sha256File(f.path)}`] as const)),
  );
  // A re-run signs again (a signature carries its time): over the same SHA256SUMS, the attached .sig stays.
  const sums = files.find((f) => f.fileName.endsWith('_SHA256SUMS'));
  const sumsUnchanged = sums !== undefined && assets.get(sums.fileName)?.digest === digests.get(sums.fileName);
  const unchanged = (file: ReleaseFile) =>
    assets.get(file.fileName)?.digest === digests.get(file.fileName) ||
    (sumsUnchanged && file.fileName.endsWith('_SHA256SUMS.sig') && assets.has(file.fileName));
  if (published) {
    // Every asset is compared before anything changes: a published release is never partly rewritten.
    const differing = files.filter((f) => assets.has(f.fileName) && !unchanged(f));
    if (differing.length > 0) {
      throw new Error(
        `The published GitHub release ${tag} already has ${differing.map((f) => f.fileName).join(', ')} with other bytes; published assets are not replaced. Release a new version.`,
      );
    }
  }
  for (const file of files) {
    const digest = digests.get(file.fileName)!;
    const sha256 = digest.slice('sha256:'.length);
    const existing = assets.get(file.fileName);
    if (existing && unchanged(file)) {
      core.info(`already attached ${file.fileName}`);
      continue;
    }
    if (existing) await octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: existing.id });
    // Streamed from disk (octokit sends a body stream with duplex: 'half'): memory stays flat for any size.
    const size = (await stat(file.path)).size;
    const uploaded = await octokit.request({
      method: 'POST',
      url: release.upload_url,
      name: file.fileName,
      data: createReadStream(file.path),
      headers: { 'content-type': 'application/octet-stream', 'content-length': size },
    });
    const asset = uploaded.data as Asset;
    if (asset.size !== size || (asset.digest && asset.digest !== `sha256:${sha256}`)) {
      throw new Error(
        `GitHub stored ${file.fileName} as ${asset.size} bytes ${asset.digest ?? ''}, expected ${size} bytes sha256:${sha256}; run the job again.`,
      );
    }
    core.info(`attached ${file.fileName}`);
  }
  if (!published) {
    await octokit.rest.repos.updateRelease({ owner, repo, release_id: release.id, draft: false });
    core.info(`published GitHub release ${tag}`);
  }
  return release.html_url;
}
