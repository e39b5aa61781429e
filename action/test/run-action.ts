import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parse } from 'yaml';

const ACTION_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ACTION_DIST = join(ACTION_DIR, 'dist/index.js');

export interface ActionRun {
  code: number;
  /** stdout and stderr, as the runner's log shows them (`::error::…`, `::group::…`). */
  log: string;
  outputs: Record<string, string>;
  summary: string;
}

interface ActionYaml {
  inputs: Record<string, { default?: string }>;
}

/**
 * Runs the committed bundle as a GitHub runner does: `node action/dist/index.js` with every input as
 * `INPUT_<NAME>` (upper-cased, hyphens kept), the defaults of action.yml filled in as the runner fills them
 * (`${{ github.token }}` becomes the job's token), `GITHUB_REF` and friends, and fresh `GITHUB_OUTPUT` /
 * `GITHUB_STEP_SUMMARY` files whose contents are returned.
 */
export async function runAction(options: {
  cwd: string;
  inputs: Record<string, string>;
  ref?: string;
  repository?: string;
  env?: Record<string, string>;
}): Promise<ActionRun> {
  const action = parse(await readFile(join(ACTION_DIR, 'action.yml'), 'utf8')) as ActionYaml;
  const runner = await mkdtemp(join(tmpdir(), 'signet-runner-'));
  const files = {
    output: join(runner, 'output'),
    summary: join(runner, 'summary'),
    event: join(runner, 'event.json'),
  };
  await writeFile(files.output, '');
  await writeFile(files.summary, '');
  const ref = options.ref ?? 'refs/tags/v1.0.0';
  await writeFile(
    files.event,
    JSON.stringify({ ref, repository: { full_name: options.repository ?? 'acme/terraform-provider-hello' } }),
  );
  const githubToken = options.env?.GITHUB_TOKEN ?? 'ghs_stand-in-token';
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? runner,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REF: ref,
    GITHUB_REF_NAME: ref.replace(/^refs\/(tags|heads)\//, ''),
    GITHUB_REPOSITORY: options.repository ?? 'acme/terraform-provider-hello',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_WORKSPACE: options.cwd,
    GITHUB_SHA: '0'.repeat(40),
    GITHUB_API_URL: 'https://api.github.com',
    RUNNER_TEMP: runner,
    RUNNER_OS: 'Linux',
    ...options.env,
  };
  for (const [name, spec] of Object.entries(action.inputs)) {
    const value = options.inputs[name] ?? (spec.default === '${{ github.token }}' ? githubToken : (spec.default ?? ''));
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  for (const name of Object.keys(options.inputs)) {
    if (!(name in action.inputs)) throw new Error(`action.yml has no input ${name}`);
  }
  // SIGNET_ACTION_NODE runs the bundle with another Node (GitHub runs node24; these machines have Node 20).
  const node = process.env.SIGNET_ACTION_NODE ?? process.execPath;
  const child = spawn(node, [ACTION_DIST], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? -1)));
  return {
    code,
    log,
    outputs: parseOutputs(await readFile(files.output, 'utf8')),
    summary: await readFile(files.summary, 'utf8'),
  };
}

/** `name<<DELIMITER\nvalue\nDELIMITER` blocks, as @actions/core writes GITHUB_OUTPUT. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!match) continue;
    const [, name, delimiter] = match;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
    outputs[name!] = value.join('\n');
  }
  return outputs;
}
