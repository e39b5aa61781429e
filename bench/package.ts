// `pnpm bench`: packaging + hashing + signing 13 platforms of a real ~90 MB Go executable (the terraform binary on
// this machine), next to a shell baseline measured in the same run on the same cores (design.md §8):
//   (a) shell: `zip -X -D -q` per platform, two at a time (`xargs -P 2`), then `sha256sum` over the zips;
//   (b) Signet: `packageRelease` (two zips at a time, like the shell) + `signRelease` over SHA256SUMS.
// Signet runs in a child process under `/usr/bin/time -v` (or reports its own `resourceUsage().maxRSS`), so the peak
// RSS is its own. The RSA-4096 key is generated and decrypted before the clock starts. Exits 1 when Signet takes
// more than 1.15× the shell's time or peaks at 200 MiB or more.
//
//   pnpm bench package [--runs N] [--binary PATH] [--parallel N]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { DEFAULT_PLATFORMS, decryptPrivateKey, generateKey } from '@signet/core';
import { packageRelease, signRelease } from '@signet/core/node';

const NAME = 'hello';
const VERSION = '1.0.0';
const MAX_RATIO = 1.15;
const MAX_RSS_MIB = 200;
const GNU_TIME = '/usr/bin/time';

interface ChildReport {
  seconds: number;
  maxRssMiB: number;
  zipBytes: number;
}

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    binary: { type: 'string' },
    parallel: { type: 'string', default: '2' },
    child: { type: 'string' },
    out: { type: 'string' },
    key: { type: 'string' },
  },
});
const parallel = Number(values.parallel);

if (values.child !== undefined) {
  process.stdout.write(`${JSON.stringify(await runSignet(values.child, values.out!, values.key!))}\n`);
} else {
  process.exitCode = await main();
}

async function main(): Promise<number> {
  const binary = values.binary ?? execFileSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).trim();
  const runs = Number(values.runs);
  const root = await mkdtemp(join(tmpdir(), 'signet-bench-'));
  try {
    const { size } = await stat(binary);
    console.log(
      `${binary}: ${(size / 2 ** 20).toFixed(1)} MiB × ${DEFAULT_PLATFORMS.length} platforms, ${parallel} at a time, ${runs} run(s)`,
    );
    const input = join(root, 'in');
    for (const platform of DEFAULT_PLATFORMS) {
      // The seed layout: linux_amd64/hello_v1.0.0, windows_amd64/hello_v1.0.0.exe.
      await mkdir(join(input, platform), { recursive: true });
      await copyFile(
        binary,
        join(input, platform, `${NAME}_v${VERSION}${platform.startsWith('windows') ? '.exe' : ''}`),
      );
    }
    const key = join(root, 'key.asc');
    await writeFile(
      key,
      (await generateKey({ name: 'Signet Bench', email: 'bench@example.com', algorithm: 'rsa4096' })).privateKeyArmored,
    );
    // Read every copy once so both contenders start from a warm page cache.
    execFileSync('sh', ['-c', `cat ${input}/*/* > /dev/null`]);

    const shell: number[] = [];
    let shellZipBytes = 0;
    const signet: ChildReport[] = [];
    for (let run = 0; run < runs; run++) {
      // Alternate who goes first, so neither always inherits the other's dirty page cache.
      const order = run % 2 === 0 ? ['shell', 'signet'] : ['signet', 'shell'];
      for (const who of order) {
        const out = join(root, `${who}-${run}`);
        if (who === 'shell') {
          shell.push(runShell(input, out));
          shellZipBytes = await zipBytes(out);
        } else signet.push(runSignetChild(input, out, key));
        await rm(out, { recursive: true, force: true });
      }
      const s = signet.at(-1)!;
      console.log(
        `run ${run + 1}: shell ${shell.at(-1)!.toFixed(2)} s, signet ${s.seconds.toFixed(2)} s (${(s.seconds / shell.at(-1)!).toFixed(3)}×), peak RSS ${s.maxRssMiB.toFixed(0)} MiB`,
      );
    }
    const shellTime = median(shell);
    const signetTime = median(signet.map((s) => s.seconds));
    const ratio = signetTime / shellTime;
    const rss = Math.max(...signet.map((s) => s.maxRssMiB));
    console.log('');
    console.log(
      `shell  (zip -X -D -q, xargs -P ${parallel}, sha256sum): median ${shellTime.toFixed(2)} s, zips ${(shellZipBytes / 2 ** 20).toFixed(1)} MiB`,
    );
    console.log(
      `signet (packageRelease + signRelease):       median ${signetTime.toFixed(2)} s, zips ${(signet[0]!.zipBytes / 2 ** 20).toFixed(1)} MiB`,
    );
    console.log(`ratio signet/shell: ${ratio.toFixed(3)} (limit ${MAX_RATIO})`);
    console.log(`signet peak RSS: ${rss.toFixed(0)} MiB (limit < ${MAX_RSS_MIB})`);
    return ratio > MAX_RATIO || rss >= MAX_RSS_MIB ? 1 : 0;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function runShell(input: string, out: string): number {
  execFileSync('mkdir', ['-p', out]);
  const zip = `cd {} && zip -X -D -q ${out}/terraform-provider-${NAME}_${VERSION}_{}.zip *`;
  const script = `cd ${input} && ls | xargs -P ${parallel} -I{} sh -c '${zip}' && cd ${out} && sha256sum *.zip > SHA256SUMS`;
  const start = process.hrtime.bigint();
  execFileSync('sh', ['-c', script], { stdio: 'inherit' });
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Runs this script as `--child`; its peak RSS comes from GNU time when present, else from the child itself. */
function runSignetChild(input: string, out: string, key: string): ChildReport {
  const node = [
    process.execPath,
    '--import',
    'tsx',
    process.argv[1]!,
    '--child',
    input,
    '--out',
    out,
    '--key',
    key,
    '--parallel',
    String(parallel),
  ];
  const useTime = existsSync(GNU_TIME);
  const [command, ...args] = useTime ? [GNU_TIME, '-v', ...node] : node;
  const child = spawnSync(command!, args, { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`signet child failed with status ${child.status}: ${child.stderr}`);
  const report = JSON.parse(child.stdout) as ChildReport;
  const timed = /Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr);
  if (useTime && timed) report.maxRssMiB = Number(timed[1]) / 1024;
  return report;
}

async function runSignet(input: string, out: string, keyPath: string): Promise<ChildReport> {
  const privateKey = await decryptPrivateKey(await readFile(keyPath, 'utf8'), undefined);
  const inputs = DEFAULT_PLATFORMS.map((platform) => ({ path: join(input, platform) }));
  const start = process.hrtime.bigint();
  const result = await packageRelease({
    name: NAME,
    version: VERSION,
    protocols: ['6.0'],
    inputs,
    outDir: out,
    concurrency: parallel,
  });
  await signRelease(result.files, privateKey);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const zipBytes = result.files.filter((f) => f.platform !== undefined).reduce((sum, f) => sum + f.size, 0);
  if ((await readdir(out)).length !== DEFAULT_PLATFORMS.length + 3) throw new Error(`unexpected files in ${out}`);
  return { seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, zipBytes };
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function zipBytes(dir: string): Promise<number> {
  let total = 0;
  for (const file of await readdir(dir)) if (file.endsWith('.zip')) total += (await stat(join(dir, file))).size;
  return total;
}
