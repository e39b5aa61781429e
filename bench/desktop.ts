// `pnpm bench desktop`: the desktop app's services against the CLI, in the same run on the same cores (issue 10):
//   (a) `signet release -c signet.yaml --json` (package + sign + validate) on 13 platforms of a ~90 MB binary:
//       each is a real Go executable built for its platform (so its header says that platform, as a real
//       release's does) followed by the terraform binary's bytes up to 90 MB: real code, not zeros;
//   (b) the same through browser mode's HTTP API (`pnpm desktop:web`, as a user runs it): releasesCreate →
//       releasesPackage → releasesSign, then releasesGet shows the problems (none), with an RSA 4096 key from
//       keysGenerate (made before the clock starts, as the CLI's key is);
//   (c) a 1 GiB upload from the app: a release holding one 1 GiB zip published to the app's local registry
//       through releasesPublish, with its throughput and the services process's memory before, during and after.
// The services process is the one that listens on browser mode's port (not the pnpm or tsx wrappers); its peak
// RSS is its /proc VmHWM, reset through /proc/PID/clear_refs before each measured step where the kernel allows.
// Prints each figure next to its target (ratio ≤ 1.2×, peak RSS < 250 MiB, flat memory during the upload);
// exits 1 when one is missed. Figures, not assertions: no test times anything.
//
//   pnpm bench desktop [--runs N] [--binary PATH] [--upload-mib N]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { DEFAULT_PLATFORMS, generateKey } from '@signet/core';

import { writeStoredZip } from '../test/helpers/big-zip';
import { BIN, TSX_LOADER } from '../test/helpers/cli';
import { processMemory, startBrowserMode, type BrowserModeApp } from '../test/helpers/browser-mode';
import { buildGoProviders, hasGo, providerExecutableName } from '../test/helpers/go-providers';

const NAME = 'hello';
const VERSION = '1.0.0';
const BINARY_BYTES = 90_000_000;
const MAX_RATIO = 1.2;
const MAX_RSS_MIB = 250;
/** Memory counts as flat when the upload's peak stays within this of the RSS before it. */
const FLAT_MIB = 64;
const PASSPHRASE = 'bench passphrase, not a secret';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    binary: { type: 'string' },
    'upload-mib': { type: 'string', default: '1024' },
  },
});
const runs = Number(values.runs);
const uploadBytes = Number(values['upload-mib']) * 2 ** 20;

process.exitCode = await main();

async function main(): Promise<number> {
  if (!hasGo()) {
    console.error('bench desktop needs a Go toolchain on the PATH (the 13 platform headers come from go build).');
    return 1;
  }
  const filler = values.binary ?? execFileSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).trim();
  const root = await mkdtemp(join(tmpdir(), 'signet-bench-desktop-'));
  let app: BrowserModeApp | undefined;
  try {
    const input = join(root, 'in');
    await writeInput(input, filler, root);
    console.log(`load average at the start: ${formatLoad()} (a quiet machine reads below 1 per core)`);
    console.log(
      `input: ${DEFAULT_PLATFORMS.length} platforms × ${(BINARY_BYTES / 1e6).toFixed(0)} MB (go build header + ${filler}), ${runs} round(s)`,
    );

    const project = join(root, 'project');
    await mkdir(project);
    const cliKey = await generateKey({
      name: 'Signet Bench',
      email: 'bench@example.com',
      algorithm: 'rsa4096',
      passphrase: PASSPHRASE,
    });
    await writeFile(join(project, 'private.asc'), cliKey.privateKeyArmored, { mode: 0o600 });
    await writeFile(
      join(project, 'signet.yaml'),
      `namespace: acme\nprovider:\n  name: ${NAME}\n  version: ${VERSION}\n  gpg_key: ./private.asc\n  protocols: ["6.0"]\n  files:\n    - ${input}\n`,
    );

    app = await startBrowserMode({ dataDir: join(root, 'data') });
    const pid = app.servicesPid();
    console.log(`browser mode: ${app.origin} (services process ${pid})`);
    const key = await app.call('keysGenerate', {
      name: 'Signet Bench',
      email: 'bench@example.com',
      expires: '2y',
      passphrase: PASSPHRASE,
      confirmPassphrase: PASSPHRASE,
      algorithm: 'rsa4096',
    });
    await app.call('localStart', {});
    // Warm the page cache, as both contenders then read the same bytes.
    execFileSync('sh', ['-c', `cat ${input}/*/* > /dev/null`]);

    const cli: number[] = [];
    const desktop: number[] = [];
    let lastSteps = '';
    let peakMiB = 0;
    for (let round = 0; round < runs; round++) {
      const order = round % 2 === 0 ? ['cli', 'desktop'] : ['desktop', 'cli'];
      for (const who of order) {
        if (who === 'cli') cli.push(await runCli(project));
        else {
          const resetOk = resetPeak(pid);
          const run = await runDesktop(app, input, key.keyId);
          desktop.push(run.seconds);
          lastSteps = Object.entries(run.steps)
            .map(([step, seconds]) => `${step} ${seconds.toFixed(2)} s`)
            .join(', ');
          const { peakMiB: peak } = processMemory(pid);
          peakMiB = Math.max(peakMiB, peak);
          if (!resetOk && round === 0) console.log('(VmHWM could not be reset: the peak is since the start)');
        }
      }
      console.log(
        `round ${round + 1}: signet release ${cli.at(-1)!.toFixed(2)} s, browser mode ${desktop.at(-1)!.toFixed(2)} s (${(desktop.at(-1)! / cli.at(-1)!).toFixed(3)}×), services peak RSS ${peakMiB.toFixed(0)} MiB`,
      );
      console.log(
        `  browser mode's calls: ${lastSteps} (each ends with a validation; the release's cache re-reads only the files that changed)`,
      );
    }
    const cliTime = median(cli);
    const desktopTime = median(desktop);
    const ratio = desktopTime / cliTime;
    console.log('');
    console.log(`signet release (package + sign + validate, a CLI process): median ${cliTime.toFixed(2)} s`);
    console.log(`browser mode (create + package + sign + problems, HTTP API):  median ${desktopTime.toFixed(2)} s`);
    console.log(`ratio browser mode / signet release: ${ratio.toFixed(3)} (limit ${MAX_RATIO})`);
    console.log(`services process peak RSS (VmHWM): ${peakMiB.toFixed(0)} MiB (limit < ${MAX_RSS_MIB})`);

    const upload = await runUpload(app, root, key.keyId, pid);
    console.log('');
    console.log(
      `upload of ${(uploadBytes / 2 ** 30).toFixed(2)} GiB through releasesPublish: median ${upload.seconds.toFixed(2)} s, ${upload.mibPerSecond.toFixed(0)} MiB/s`,
    );
    console.log(
      `services RSS (the round that grew most) before ${upload.beforeMiB.toFixed(0)} MiB, peak during ${upload.duringMiB.toFixed(0)} MiB, after ${upload.afterMiB.toFixed(0)} MiB (flat: peak within ${FLAT_MIB} MiB of before)`,
    );
    console.log(`load average at the end: ${formatLoad()}`);
    const flat = upload.duringMiB - upload.beforeMiB <= FLAT_MIB;
    return ratio > MAX_RATIO || peakMiB >= MAX_RSS_MIB || !flat || upload.duringMiB >= MAX_RSS_MIB ? 1 : 0;
  } catch (error) {
    // What the app said before things went wrong (its log holds no secret: the suites check that).
    if (app) console.error(`pnpm desktop:web's output:\n${app.logs()}`);
    throw error;
  } finally {
    await app?.stop();
    await rm(root, { recursive: true, force: true });
  }
}

/** The 13 platform folders: each binary is its platform's go build output, then filler bytes up to 90 MB. */
async function writeInput(input: string, filler: string, root: string): Promise<void> {
  const headers = join(root, 'go');
  const built = await buildGoProviders({ folder: headers, name: NAME, version: VERSION });
  const fillerBytes = await readFile(filler);
  for (const binary of built.binaries) {
    const dir = join(input, binary.platform);
    await mkdir(dir, { recursive: true });
    const head = await readFile(binary.path);
    const out = await open(join(dir, providerExecutableName(NAME, VERSION, binary.platform)), 'w', 0o755);
    try {
      await out.write(head);
      let left = BINARY_BYTES - head.length;
      while (left > 0) {
        const chunk = fillerBytes.subarray(0, Math.min(left, fillerBytes.length));
        await out.write(chunk);
        left -= chunk.length;
      }
    } finally {
      await out.close();
    }
  }
  await rm(headers, { recursive: true, force: true });
}

/** `signet release` as a user runs it: a node process on the CLI's source (the tsx loader, like `pnpm signet`). */
async function runCli(project: string): Promise<number> {
  await rm(join(project, 'dist'), { recursive: true, force: true });
  const start = process.hrtime.bigint();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve) => {
      const child = spawn(process.execPath, ['--import', TSX_LOADER, BIN, 'release', '-c', 'signet.yaml', '--json'], {
        cwd: project,
        env: { ...process.env, CI: 'true', SIGNET_GPG_PASSPHRASE: PASSPHRASE },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    },
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (code !== 0) throw new Error(`signet release exited ${code}: ${stdout}\n${stderr}`);
  const files = await readdir(join(project, 'dist'));
  if (files.length !== DEFAULT_PLATFORMS.length + 3) throw new Error(`signet release wrote ${files.join(', ')}`);
  return seconds;
}

/** The same release through the HTTP API; the release is removed afterwards, outside the clock. */
/** The time of each call, for the breakdown line (package includes the validation that follows it). */
interface DesktopRun {
  seconds: number;
  steps: Record<'create' | 'package' | 'sign' | 'get', number>;
}

/** The same release through the HTTP API; the release is removed afterwards, outside the clock. */
async function runDesktop(app: BrowserModeApp, input: string, keyId: string): Promise<DesktopRun> {
  const start = process.hrtime.bigint();
  let mark = start;
  const lap = () => {
    const now = process.hrtime.bigint();
    const seconds = Number(now - mark) / 1e9;
    mark = now;
    return seconds;
  };
  const created = await app.call('releasesCreate', {
    namespace: 'acme',
    provider: NAME,
    version: VERSION,
    protocols: ['6.0'],
    keyId,
    registryId: 'local',
    inputFolder: input,
  });
  const create = lap();
  await app.call('releasesPackage', { releaseId: created.id });
  const packaging = lap();
  await app.call('releasesSign', { releaseId: created.id, passphrase: PASSPHRASE });
  const sign = lap();
  const release = await app.call('releasesGet', { releaseId: created.id });
  const get = lap();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (!release.publishable || release.problems.length > 0) {
    throw new Error(`browser mode's release has problems: ${JSON.stringify(release.problems)}`);
  }
  const files = await readdir(release.releaseFolder);
  if (files.filter((f) => f.endsWith('.zip')).length !== DEFAULT_PLATFORMS.length) {
    throw new Error(`browser mode wrote ${files.join(', ')}`);
  }
  await app.call('releasesRemove', { releaseId: created.id });
  return { seconds, steps: { create, package: packaging, sign, get } };
}

interface UploadFigures {
  seconds: number;
  mibPerSecond: number;
  beforeMiB: number;
  duringMiB: number;
  afterMiB: number;
}

/**
 * One zip of `uploadBytes` (a stored entry: an executable with the linux_amd64 header and filler after it), in
 * a release published through releasesPublish to the app's local registry, once per round at versions 2.0.N.
 */
async function runUpload(app: BrowserModeApp, root: string, keyId: string, pid: number): Promise<UploadFigures> {
  const seconds: number[] = [];
  let duringMiB = 0;
  let afterMiB = 0;
  let worstGrowth = -Infinity;
  let reportedBefore = 0;
  const filler = await readFile(
    values.binary ?? execFileSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).trim(),
  );
  for (let round = 0; round < runs; round++) {
    const version = `2.0.${round}`;
    const name = 'big';
    const folder = join(root, `upload-${round}`);
    await mkdir(folder, { recursive: true });
    const headers = await buildGoProviders({
      folder: join(root, `upload-go-${round}`),
      name,
      version,
      platforms: ['linux_amd64'],
      concurrency: 1,
    });
    const head = await readFile(headers.binaries[0]!.path);
    const zipPath = join(folder, `terraform-provider-${name}_${version}_linux_amd64.zip`);
    // The entry's size leaves room for the zip's own headers, so the file is uploadBytes long.
    await writeStoredZip(zipPath, {
      name: `terraform-provider-${name}_v${version}`,
      head,
      filler,
      size: uploadBytes - 512,
    });
    const zipSize = (await stat(zipPath)).size;

    const release = await app.call('releasesCreate', {
      namespace: 'acme',
      provider: name,
      version,
      protocols: ['6.0'],
      keyId,
      registryId: 'local',
      inputFolder: folder,
    });
    await app.call('releasesPackage', { releaseId: release.id });
    await app.call('releasesSign', { releaseId: release.id, passphrase: PASSPHRASE });
    const ready = await app.call('releasesGet', { releaseId: release.id });
    if (!ready.publishable) throw new Error(`the 1 GiB release has problems: ${JSON.stringify(ready.problems)}`);

    const roundBefore = processMemory(pid).rssMiB;
    resetPeak(pid);
    let sampled = roundBefore;
    const sampler = setInterval(() => {
      try {
        sampled = Math.max(sampled, processMemory(pid).rssMiB);
      } catch {
        // the process is gone: the publish call below fails and says so
      }
    }, 50);
    const start = process.hrtime.bigint();
    const published = await app.call('releasesPublish', { releaseId: release.id });
    const took = Number(process.hrtime.bigint() - start) / 1e9;
    clearInterval(sampler);
    if (published.status !== 'published') throw new Error(`releasesPublish left ${published.status}`);
    const memory = processMemory(pid);
    const roundPeak = Math.max(sampled, memory.peakMiB);
    // The round whose peak grew most over its own start is the one reported.
    if (roundPeak - roundBefore > worstGrowth) {
      worstGrowth = roundPeak - roundBefore;
      duringMiB = roundPeak;
      afterMiB = memory.rssMiB;
      reportedBefore = roundBefore;
    }
    seconds.push(took);
    console.log(
      `upload round ${round + 1}: ${(zipSize / 2 ** 20).toFixed(0)} MiB in ${took.toFixed(2)} s (${(zipSize / 2 ** 20 / took).toFixed(0)} MiB/s), RSS before ${roundBefore.toFixed(0)} MiB, peak ${roundPeak.toFixed(0)} MiB, after ${memory.rssMiB.toFixed(0)} MiB`,
    );
    await rm(folder, { recursive: true, force: true });
    await rm(headers.folder, { recursive: true, force: true });
  }
  const t = median(seconds);
  return { seconds: t, mibPerSecond: uploadBytes / 2 ** 20 / t, beforeMiB: reportedBefore, duringMiB, afterMiB };
}

/** Resets the process's VmHWM to its current RSS (Linux ≥ 4.0, `echo 5 > clear_refs`); false where refused. */
function resetPeak(pid: number): boolean {
  if (!existsSync(`/proc/${pid}/clear_refs`)) return false;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function formatLoad(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
