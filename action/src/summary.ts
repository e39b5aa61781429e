import { stat } from 'node:fs/promises';

import * as core from '@actions/core';
import type { KeyInfo } from '@signet/core';
import { sha256File, type ReleaseFile, type ReleaseReport } from '@signet/core/node';

import type { ActionInputs } from './inputs';

export interface FileInfo {
  name: string;
  path: string;
  size: number;
  sha256: string;
}

/**
 * Name, size and SHA-256 of every release file (the `artifacts` output and the summary's table). The zips were
 * hashed by the validator already; only the small files are read here.
 */
export async function describeFiles(files: readonly ReleaseFile[], report: ReleaseReport): Promise<FileInfo[]> {
  const zips = new Map(report.platforms.map((p) => [p.fileName, p]));
  return Promise.all(
    files.map(async (f) => {
      const zip = zips.get(f.fileName);
      if (zip) return { name: f.fileName, path: f.path, size: zip.size, sha256: zip.sha256 };
      return { name: f.fileName, path: f.path, size: (await stat(f.path)).size, sha256: await sha256File(f.path) };
    }),
  );
}

/** The job summary: platforms, files, sizes and hashes, the key, the version's URL and what to paste. */
export async function writeSummary(input: {
  inputs: ActionInputs;
  report: ReleaseReport;
  keyInfo: KeyInfo;
  files: FileInfo[];
  versionUrl: string | undefined;
  registryHost: string | undefined;
}): Promise<void> {
  const { inputs, report, keyInfo, files } = input;
  const source = `${input.registryHost ?? 'REGISTRY_HOST'}/${inputs.namespace}/${inputs.provider}`;
  const state = inputs.dryRun
    ? 'validated (dry run, nothing published)'
    : inputs.draft
      ? 'uploaded as a draft'
      : 'published';
  await core.summary
    .addHeading(`${inputs.namespace}/${inputs.provider} ${inputs.version}: ${state}`)
    .addRaw(
      `Signed with key <code>${keyInfo.keyId}</code> (${keyInfo.algorithm}), fingerprint <code>${keyInfo.fingerprint}</code>.`,
      true,
    )
    .addRaw(input.versionUrl ? `Registry: <a href="${input.versionUrl}">${input.versionUrl}</a>` : '', true)
    .addHeading('Platforms', 3)
    .addTable([
      [
        { data: 'platform', header: true },
        { data: 'zh (SHA-256)', header: true },
        { data: 'h1', header: true },
      ],
      ...report.platforms.map((p) => [p.platform, `<code>${p.sha256}</code>`, `<code>${p.h1 ?? '-'}</code>`]),
    ])
    .addHeading('Files', 3)
    .addTable([
      [
        { data: 'file', header: true },
        { data: 'bytes', header: true },
        { data: 'SHA-256', header: true },
      ],
      ...files.map((f) => [f.name, String(f.size), `<code>${f.sha256}</code>`]),
    ])
    .addHeading('Use it', 3)
    .addCodeBlock(
      `terraform {\n  required_providers {\n    ${inputs.provider} = {\n      source  = "${source}"\n      version = "${inputs.version}"\n    }\n  }\n}`,
      'hcl',
    )
    .write();
}
