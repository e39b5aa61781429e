// `pnpm demo`: the whole release pipeline on a small bundled example, printing the result.
// It writes a provider project (stand-in binaries with real headers for the 13 default platforms, a fresh
// ed25519 key, a signet.yaml) under .signet/demo, then runs `signet release` and `signet validate` as a user would.
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';

import { main } from '@signet/cli';
import { writeExampleProject } from '@signet/core/testing';

const root = resolve('.signet/demo');
await rm(root, { recursive: true, force: true });
const project = await writeExampleProject(root);

const context = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: { ...process.env, SIGNET_GPG_PASSPHRASE: project.passphrase },
  cwd: root,
};
console.log(`$ cd ${root}\n$ signet release -c signet.yaml`);
let code = await main(['release', '-c', 'signet.yaml'], context);
if (code === 0) {
  console.log(`\n$ signet validate dist --key public.asc`);
  code = await main(['validate', 'dist', '--key', 'public.asc'], context);
}
process.exitCode = code;
