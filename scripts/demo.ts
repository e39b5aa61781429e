// `pnpm demo`: the whole flow on a small bundled example, on the embedded default registry.
// 1. writes a provider project (stand-in binaries with real headers for the 13 default platforms, a fresh ed25519
//    key, a signet.yaml) under .signet/demo, then runs `signet release` as an author would;
// 2. starts `signet serve` (HTTPS, local CA, SQLite + files under .signet/demo/registry) and `signet publish`es;
// 3. runs the real `terraform init` against it when terraform is on the PATH, and prints what it installed;
// 4. ends with the next steps to try (the commands with this run's paths and URL) and the demo's own passphrase
//    and admin token, which are made up for it and not secrets.
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';

import { main } from '@signet/cli';
import { writeExampleProject } from '@signet/core/testing';

import { quoteShell } from '../packages/cli/src/serve-banner';

const root = resolve('.signet/demo');
await rm(root, { recursive: true, force: true });
const project = await writeExampleProject(root);
const adminToken = 'signet_demo-admin-token';
const env = { ...process.env, SIGNET_GPG_PASSPHRASE: project.passphrase, SIGNET_ADMIN_TOKEN: adminToken };
const context = { stdout: process.stdout, stderr: process.stderr, env, cwd: root };

const step = (command: string) => console.log(`\n$ ${command}`);
step(`cd ${root} && signet release -c signet.yaml`);
if ((await main(['release', '-c', 'signet.yaml'], context)) !== 0) process.exit(1);

step('signet serve --data registry --port 0 &');
const stop = new AbortController();
let announce: (line: string) => void = () => {};
const listening = new Promise<string>((resolve) => (announce = resolve));
const serverOutput = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    announce(chunk.toString());
    callback();
  },
});
const serving = main(['serve', '--data', 'registry', '--port', '0', '--json'], {
  ...context,
  stdout: serverOutput,
  signal: stop.signal,
});
const server = JSON.parse(await listening) as { url: string; caFile: string };
const host = new URL(server.url).host;
console.log(`Signet registry on ${server.url}; local CA ${server.caFile}`);

let code: number;
try {
  step(
    `SIGNET_TOKEN=${adminToken} signet publish dist --registry ${server.url} --namespace acme --key public.asc --ca-file registry/tls/ca.pem`,
  );
  code = await main(
    [
      'publish',
      'dist',
      '--registry',
      server.url,
      '--namespace',
      'acme',
      '--key',
      'public.asc',
      '--ca-file',
      server.caFile,
    ],
    { ...context, env: { ...env, SIGNET_TOKEN: adminToken } },
  );
  if (code === 0) code = await terraformInit(join(root, 'terraform'), `${host}/acme/hello`, server.caFile);
} finally {
  stop.abort();
  await serving;
}
if (code === 0) console.log(formatNextSteps(new URL(server.url).port, server.url, server.caFile));
process.exitCode = code;

/** What to try after the demo, with this run's absolute paths and URL: every line runs as pasted. */
function formatNextSteps(port: string, url: string, caFile: string): string {
  const q = quoteShell;
  const registry = `--registry ${url} --ca-file ${q(caFile)}`;
  return `
Next steps to try (the registry above has stopped; the first command starts it again on the same data and port):
  # terminal 1: the registry, with the demo's admin token
  SIGNET_ADMIN_TOKEN=${adminToken} pnpm signet serve --data ${q(join(root, 'registry'))} --port ${port}
  # terminal 2: what terraform needs, then install the demo provider again
  export SSL_CERT_FILE=${q(caFile)}
  terraform -chdir=${q(join(root, 'terraform'))} init
  # the registry's admin commands; then check the release and make it again (byte-identical on every run)
  export SIGNET_TOKEN=${adminToken}
  pnpm signet namespaces list ${registry}
  pnpm signet tokens create --role read --namespace acme ${registry}
  pnpm signet validate ${q(project.distDir)} --key ${q(project.publicKeyPath)}
  SIGNET_GPG_PASSPHRASE=${q(project.passphrase)} pnpm signet release -c ${q(project.configPath)}

The demo's own credentials, made up for it (not secrets; use your own for real releases):
  passphrase of ${project.privateKeyPath} (SIGNET_GPG_PASSPHRASE): ${project.passphrase}
  admin token of the demo registry (SIGNET_ADMIN_TOKEN, SIGNET_TOKEN): ${adminToken}
`;
}

async function terraformInit(dir: string, source: string, caFile: string): Promise<number> {
  await mkdir(join(dir, 'home'), { recursive: true });
  await writeFile(
    join(dir, 'main.tf'),
    `terraform {\n  required_providers {\n    hello = { source = "${source}" }\n  }\n}\n`,
  );
  await writeFile(join(dir, 'terraformrc'), '');
  step(`cd ${dir} && SSL_CERT_FILE=${caFile} terraform init`);
  try {
    const { stdout } = await promisify(execFile)('terraform', ['init', '-no-color'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: join(dir, 'home'),
        CHECKPOINT_DISABLE: '1',
        TF_CLI_CONFIG_FILE: join(dir, 'terraformrc'),
        SSL_CERT_FILE: caFile,
      },
    });
    console.log(
      stdout
        .split('\n')
        .filter((line) => /Installing|Installed|successfully initialized/.test(line))
        .join('\n'),
    );
    console.log(`\nOK: published, served over HTTPS, and installed by terraform with its signature verified.`);
    return 0;
  } catch (error) {
    const e = error as { code?: string | number; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      console.log('terraform is not on the PATH: skipped the install. With terraform, run the command above.');
      return 0;
    }
    console.error(`${e.stdout ?? ''}${e.stderr ?? ''}`);
    return 1;
  }
}
