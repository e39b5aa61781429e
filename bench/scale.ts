// `pnpm bench scale`: the scale-out setup (issue 11, design.md §6–§8), each figure next to its baseline measured in
// the same run on the same cores:
//   1. JSON reads at 100 connections (`wrk -t2 -c100 --latency` after a 3 s warm-up): versions, download JSON and
//      mirror JSON through (a) one `signet serve` replica on PostgreSQL + S3 (s3rver), (b) the embedded default
//      (`--data`, SQLite + a folder), against nginx serving `signet export static` of (b) with the documented server
//      block (plain HTTP here, like both Signets: TLS would terminate the same way in front of each). Reported, not
//      gated (`pnpm bench registry` holds the embedded default's read targets).
//   2. `terraform init` wall time through a replica on PostgreSQL + S3 (HTTPS with its local CA; the zip by a 302 to a
//      presigned s3rver URL) against a `filesystem_mirror` holding the same zip (packed layout): the median of N runs,
//      each in a fresh folder (its own .terraform, HOME and CLI config, no plugin cache, CHECKPOINT_DISABLE=1). The
//      provider is realistic in size: a linux_amd64 binary of --init-binary-mib MiB (default 40; real providers are
//      20–100 MB and more) made of a real ELF header and terraform's own executable bytes, so it compresses as Go code
//      does. With 16 KiB stand-ins the fixed costs (TLS, discovery, the redirect) were all that was measured.
//      Target: ≤ 1.3× the filesystem mirror.
//   3. Upload of a 1 GiB stored zip through the client (`uploadFile`, streamed from disk) to a fresh replica on
//      PostgreSQL + S3: throughput, and the replica's peak RSS (VmHWM of its node process). Target: < 200 MiB.
// Signet is the real bundled CLI (`pnpm build:cli`'s bundle, built into a temporary folder) run by plain Node; PostgreSQL
// 15 is started in a temporary folder (`startPostgres`), s3rver in a Node process of its own. Every server stops and every
// temporary folder goes at the end, also on error. Without wrk, nginx, initdb or terraform the script says which to
// install and exits 1; it exits 1 too when a target is missed.
//
//   pnpm bench scale [--only reads,init,upload] [--duration S] [--connections N] [--upload-mib N] [--init-runs N]
//                    [--init-binary-mib N]
// `--only init` runs just the terraform figure (PostgreSQL, s3rver and two replicas, no wrk load): for a machine that
// others are using, where the read figures would mean little anyway. bench/index.ts passes only the flags it lists
// for `scale`; until --only and --init-binary-mib are among them, run `node --import tsx bench/scale.ts --only init`.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

import { createRegistryClient, publishRelease } from '../packages/client/src/index';
import { decryptPrivateKey } from '@signet/core';
import { packageRelease, readReleaseFiles, signRelease, type ReleaseFile } from '@signet/core/node';
import { createFakeExecutable, writeExampleProject } from '@signet/core/testing';
import { formatNginxStaticConfig } from '@signet/registry';
import {
  buildExampleRelease,
  postgresUnavailableReason,
  startPostgres,
  type ExampleRelease,
} from '@signet/registry/testing';

import { buildCli, CLI_NODE_FLAGS } from '../scripts/build-cli';
import { writeStoredZip } from '../test/helpers/big-zip';
import { requiredProvidersConfig, runTerraform } from '../test/helpers/terraform';

const MAX_INIT_RATIO = 1.3;
const MAX_UPLOAD_RSS_MIB = 200;
const NS = 'acme';
const TYPE = 'hello';
const VERSIONS = ['1.0.0', '1.1.0', '1.2.0'];
const LATEST = VERSIONS.at(-1)!;
const MIRROR_HOST = 'registry.example.com';
const MIB = 2 ** 20;
const run = promisify(execFile);

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '100' },
    'upload-mib': { type: 'string', default: '1024' },
    'init-runs': { type: 'string', default: '5' },
    'init-binary-mib': { type: 'string', default: '40' },
    only: { type: 'string', default: 'reads,init,upload' },
  },
});

const SECTIONS = ['reads', 'init', 'upload'] as const;
type Section = (typeof SECTIONS)[number];
const only = new Set(values.only.split(',').map((s) => s.trim()));
for (const section of only) {
  if (!(SECTIONS as readonly string[]).includes(section)) {
    console.error(`--only takes ${SECTIONS.join(', ')} (comma-separated), found ${JSON.stringify(section)}.`);
    process.exit(2);
  }
}
const runs = (section: Section) => only.has(section);
/** The provider version the terraform figure installs: the realistic-size release, published for it alone. */
const INIT_VERSION = '3.0.0';

interface Server {
  url: string;
  pid: number;
  caFile?: string;
  stop(): Promise<void>;
}

interface WrkResult {
  rps: number;
  p99Ms: number;
}

/** One line of the closing table. */
interface Row {
  figure: string;
  signet: string;
  baseline: string;
  ratio: string;
  target: string;
  verdict: string;
}

const rows: Row[] = [];
/** Stops and removals, run last-first at the end whatever happened. */
const cleanups: (() => Promise<unknown>)[] = [];

process.exitCode = await main();

async function main(): Promise<number> {
  // nginx lives in /usr/sbin, which a non-root PATH often lacks.
  process.env.PATH = `${process.env.PATH ?? ''}:/usr/sbin`;
  const missing = [...(runs('reads') ? ['wrk', 'nginx'] : []), ...(runs('init') ? ['terraform'] : [])].filter(
    (tool) => !onPath(tool),
  );
  const noPostgres = postgresUnavailableReason();
  if (missing.length > 0 || noPostgres !== undefined) {
    const apt = [...missing.filter((t) => t !== 'terraform'), ...(noPostgres ? ['postgresql'] : [])];
    console.error(`\n!!! pnpm bench scale needs ${[...missing, ...(noPostgres ? ['initdb'] : [])].join(', ')}.`);
    if (apt.length > 0)
      console.error(`!!! Install: sudo apt-get install -y ${apt.join(' ')} (or run scripts/bootstrap.sh)`);
    if (missing.includes('terraform'))
      console.error('!!! Install terraform (the end-to-end tests use 1.11.4) and put it on the PATH.');
    console.error('');
    return 1;
  }
  const loadStart = loadavg();
  console.log(`Load average at start: ${fmtLoad(loadStart)} (${availableParallelism()} cores)`);
  let failed: boolean;
  const root = await mkdtemp(join(tmpdir(), 'signet-bench-scale-'));
  try {
    failed = await benchAll(root);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(error));
    await rm(root, { recursive: true, force: true });
  }
  const loadEnd = loadavg();
  printTable(loadStart, loadEnd);
  return failed ? 1 : 0;
}

async function benchAll(root: string): Promise<boolean> {
  const token = `signet_bench-${randomBytes(16).toString('hex')}`;
  const signingKey = randomBytes(32).toString('hex');
  const small = runs('reads') || runs('upload');
  console.log(`Sections: ${[...only].join(', ')}. Building the CLI bundle, starting PostgreSQL and s3rver…`);
  const [bundle, postgres, s3, releases] = await Promise.all([
    buildCli(join(root, 'cli', 'signet.mjs')),
    startPostgres(),
    startS3rver(),
    small
      ? Promise.all(VERSIONS.map((version) => buildExampleRelease(join(root, `release-${version}`), { version })))
      : [],
  ]);
  cleanups.push(() => postgres.stop());
  const databaseUrl = await postgres.createDatabase('signet');
  const { bucket } = s3;
  const blobsUrl =
    `s3://${bucket}?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1&forcePathStyle=true` +
    '&prefix=registry';
  const scaleArgs = ['--database', databaseUrl, '--blobs', blobsUrl];
  const scaleEnv = {
    SIGNET_URL_SIGNING_KEY: signingKey,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
  };
  const serve: Serve = (name, options = {}) =>
    startSignet(bundle, {
      dataDir: options.dataDir ?? join(root, name),
      token,
      tls: options.tls ?? false,
      extraArgs: options.scale ? scaleArgs : [],
      env: options.scale ? scaleEnv : {},
    });

  if (small) {
    // The small releases: the read figures' documents, and the key the upload's version is made with.
    const replica = await serve('replica-a', { scale: true });
    await publishAll(replica.url, token, releases);
    if (runs('reads')) await readsSection(root, bundle, token, releases, replica, serve);
    await replica.stop();
  }
  const initFailed = runs('init') ? await benchInit(root, token, serve) : false;
  const uploadFailed = runs('upload') ? await benchUpload(root, token, serve) : false;
  return initFailed || uploadFailed;
}

/** (a) the replica, (b) the embedded default with the same releases, (c) nginx on (b)'s static export. */
async function readsSection(
  root: string,
  bundle: string,
  token: string,
  releases: ExampleRelease[],
  replica: Server,
  serve: Serve,
): Promise<void> {
  const embeddedDir = join(root, 'embedded');
  const firstEmbedded = await serve('embedded', { dataDir: embeddedDir });
  await publishAll(firstEmbedded.url, token, releases);
  // The export reads the stopped registry's folder (a running one holds its lock), then (b) serves it again.
  await firstEmbedded.stop();
  const exportDir = join(root, 'export');
  const exported = await cli(bundle, [
    'export',
    'static',
    '--out',
    exportDir,
    '--data',
    embeddedDir,
    '--mirror-host',
    'localhost',
  ]);
  console.log(exported.trim());
  const embedded = await serve('embedded', { dataDir: embeddedDir });
  const nginx = await startNginx(join(root, 'nginx'), exportDir);

  const paths = {
    versions: `/v1/providers/${NS}/${TYPE}/versions`,
    download: `/v1/providers/${NS}/${TYPE}/${LATEST}/download/linux/amd64`,
    mirror: `/mirror/localhost/${NS}/${TYPE}/${LATEST}.json`,
  };
  await benchReads({ nginx, replica, embedded }, paths);
  await nginx.stop();
  await embedded.stop();
}

// Publishing -----------------------------------------------------------------------------------------------------

async function publishAll(url: string, token: string, releases: ExampleRelease[]): Promise<void> {
  const client = await createRegistryClient({ url, token });
  try {
    await client.createNamespace({ name: NS, visibility: 'public' });
    for (const release of releases) {
      await publishRelease({ client, namespace: NS, files: release.files, publicKey: release.publicKeyArmored });
    }
  } finally {
    await client.close();
  }
}

// 1. Reads -------------------------------------------------------------------------------------------------------

async function benchReads(servers: Record<'nginx' | 'replica' | 'embedded', Server>, paths: Record<string, string>) {
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  console.log(
    `\n1. JSON reads: wrk -t2 -c${connections} -d${duration}s --latency after a 3 s warm-up, plain HTTP to 127.0.0.1; ` +
      'nginx (worker_processes auto) serves the static export, each Signet is one process.',
  );
  for (const [route, path] of Object.entries(paths)) {
    const sizes = await Promise.all(
      Object.values(servers).map(async (server) => {
        const response = await fetch(server.url + path);
        if (!response.ok) throw new Error(`GET ${server.url}${path}: ${response.status} ${await response.text()}`);
        return (await response.arrayBuffer()).byteLength;
      }),
    );
    const base = await wrk(servers.nginx.url + path, connections, duration);
    const onReplica = await wrk(servers.replica.url + path, connections, duration);
    const onEmbedded = await wrk(servers.embedded.url + path, connections, duration);
    console.log(`GET ${path} (bodies: nginx ${sizes[0]} B, replica ${sizes[1]} B, embedded ${sizes[2]} B)`);
    console.log(`  nginx, static export   ${fmtRps(base.rps)} req/s, p99 ${base.p99Ms.toFixed(2)} ms`);
    for (const [name, result] of [
      ['replica, PostgreSQL+S3', onReplica],
      ['embedded default      ', onEmbedded],
    ] as const) {
      const ratio = result.rps / base.rps;
      console.log(
        `  ${name} ${fmtRps(result.rps)} req/s, p99 ${result.p99Ms.toFixed(2)} ms: ${ratio.toFixed(2)}× nginx's ` +
          `${fmtRps(base.rps).trim()} req/s`,
      );
      rows.push({
        figure: `${route} JSON, ${name.trim()}`,
        signet: `${result.rps.toFixed(0)} req/s, p99 ${result.p99Ms.toFixed(2)} ms`,
        baseline: `nginx ${base.rps.toFixed(0)} req/s, p99 ${base.p99Ms.toFixed(2)} ms`,
        ratio: `${ratio.toFixed(2)}×`,
        target: '(reported)',
        verdict: '',
      });
    }
  }
}

async function wrk(url: string, connections: number, duration: number): Promise<WrkResult> {
  const args = ['-t2', `-c${connections}`, '--latency', url];
  await run('wrk', ['-d3s', ...args]);
  const { stdout: out } = await run('wrk', [`-d${duration}s`, ...args], { encoding: 'utf8' });
  const failures = /Non-2xx or 3xx responses: (\d+)|Socket errors: .*/.exec(out);
  if (failures) throw new Error(`wrk ${url}: ${failures[0]}\n${out}`);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(out);
  if (!rps || !p99) throw new Error(`Could not read wrk's output:\n${out}`);
  const scale = { us: 1e-3, ms: 1, s: 1e3 }[p99[2] as 'us' | 'ms' | 's'];
  return { rps: Number(rps[1]), p99Ms: Number(p99[1]) * scale };
}

// 2. terraform init ----------------------------------------------------------------------------------------------

type Serve = (name: string, options?: { tls?: boolean; scale?: boolean; dataDir?: string }) => Promise<Server>;

async function benchInit(root: string, token: string, serve: Serve): Promise<boolean> {
  const runCount = Number(values['init-runs']);
  const binaryMiB = Number(values['init-binary-mib']);
  const release = await buildInitRelease(join(root, 'release-init'), binaryMiB);
  const zip = release.files.find((f) => f.fileName.endsWith('_linux_amd64.zip'))!;
  const zipBytes = (await stat(zip.path)).size;
  // Published through a plain-HTTP replica on the same PostgreSQL and bucket (the client trusts no local CA).
  const publisher = await serve('replica-init-publish', { scale: true });
  try {
    const client = await createRegistryClient({ url: publisher.url, token, timeoutMs: 600_000 });
    try {
      if (!(await client.getNamespace(NS))) await client.createNamespace({ name: NS, visibility: 'public' });
      await publishRelease({ client, namespace: NS, files: release.files, publicKey: release.publicKeyArmored });
    } finally {
      await client.close();
    }
  } finally {
    await publisher.stop();
  }
  // The filesystem mirror: the very same zip, in terraform's packed layout (HOST/NS/TYPE/<zip>).
  const mirrorDir = join(root, 'fs-mirror');
  const packed = join(mirrorDir, MIRROR_HOST, NS, TYPE);
  await mkdir(packed, { recursive: true });
  await copyFile(zip.path, join(packed, zip.fileName));

  // terraform needs HTTPS: a replica on the same PostgreSQL and bucket, with its local CA.
  const replica = await serve('replica-tls', { tls: true, scale: true });
  try {
    const caFile = replica.caFile!;
    const emptyCertDir = join(root, 'empty-cert-dir');
    await mkdir(emptyCertDir, { recursive: true });
    const host = new URL(replica.url).host;
    const kinds = {
      replica: {
        source: `${host}/${NS}/${TYPE}`,
        cliConfig: '',
        env: { SSL_CERT_FILE: caFile, SSL_CERT_DIR: emptyCertDir },
        expect: 'self-signed',
      },
      mirror: {
        source: `${MIRROR_HOST}/${NS}/${TYPE}`,
        cliConfig: `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirrorDir)}\n  }\n}\n`,
        env: {},
        expect: 'unauthenticated',
      },
    };
    console.log(
      `\n2. terraform init of ${NS}/${TYPE} ${INIT_VERSION} (linux_amd64 binary ${binaryMiB} MiB, zip ` +
        `${(zipBytes / MIB).toFixed(1)} MiB): through the replica (HTTPS, zip by presigned redirect to s3rver) vs a ` +
        `filesystem_mirror of the same zip; ${runCount} runs each after one warm-up, alternating, fresh folders`,
    );
    const times: Record<keyof typeof kinds, number[]> = { replica: [], mirror: [] };
    for (let i = 0; i <= runCount; i++) {
      for (const kind of ['replica', 'mirror'] as const) {
        const { source, cliConfig, env, expect } = kinds[kind];
        const dir = await mkdtemp(join(root, `tf-${kind}-`));
        await writeFile(join(dir, 'main.tf'), requiredProvidersConfig(source, INIT_VERSION));
        const started = performance.now();
        const result = await runTerraform(dir, ['init', '-input=false'], { cliConfig, env });
        const ms = performance.now() - started;
        if (result.code !== 0 || !result.output.includes(`- Installed ${source} v${INIT_VERSION} (${expect}`)) {
          throw new Error(`terraform init (${kind}) did not install ${source} ${INIT_VERSION}:\n${result.output}`);
        }
        if (i > 0) times[kind].push(ms);
        await rm(dir, { recursive: true, force: true });
      }
    }
    const ours = median(times.replica);
    const base = median(times.mirror);
    const ratio = ours / base;
    const ok = ratio <= MAX_INIT_RATIO;
    const list = (ms: number[]) => ms.map((m) => m.toFixed(0)).join(', ');
    console.log(`  filesystem mirror  median ${base.toFixed(0)} ms (${list(times.mirror)})`);
    console.log(`  replica            median ${ours.toFixed(0)} ms (${list(times.replica)})`);
    console.log(
      `  replica/mirror ${ratio.toFixed(2)}× the mirror's ${base.toFixed(0)} ms: ${verdict(ok)} (≤ ${MAX_INIT_RATIO}×)`,
    );
    // Runs alternate, so each pair saw about the same load: the pairs' ratios say more on a busy machine.
    const pairs = times.replica.map((ms, i) => ms / times.mirror[i]!);
    console.log(`  per-pair ratios ${pairs.map((r) => r.toFixed(2)).join(', ')}: median ${median(pairs).toFixed(2)}×`);
    await traceReplicaPath(replica.url, caFile, emptyCertDir);
    rows.push({
      figure: 'terraform init, replica',
      signet: `${ours.toFixed(0)} ms (median of ${runCount}, zip ${(zipBytes / MIB).toFixed(0)} MiB)`,
      baseline: `filesystem mirror ${base.toFixed(0)} ms`,
      ratio: `${ratio.toFixed(2)}×`,
      target: `≤ ${MAX_INIT_RATIO}×`,
      verdict: verdict(ok),
    });
    return !ok;
  } finally {
    await replica.stop();
  }
}

/**
 * Where the replica's extra time goes: each request terraform makes, by curl on a new connection each (as terraform's
 * separate HTTP clients mostly do), the median of 3 rounds: TLS set-up, first byte, total; the presigned s3rver GETs
 * with their rate. Printed, not gated.
 */
async function traceReplicaPath(url: string, caFile: string, emptyCertDir: string): Promise<void> {
  const tlsArgs = ['--cacert', caFile, '--capath', emptyCertDir];
  const curl = async (target: string) => {
    const format = '%{time_appconnect} %{time_starttransfer} %{time_total} %{size_download} %{http_code}';
    const { stdout } = await run('curl', ['-sS', ...tlsArgs, '-o', '/dev/null', '-w', format, target], {
      encoding: 'utf8',
    });
    const [tls = 0, first = 0, total = 0, size = 0, status = 0] = stdout.split(' ').map(Number);
    return { tls: tls * 1000, first: first * 1000, total: total * 1000, size, status };
  };
  const text = async (target: string, format?: string) =>
    (await run('curl', ['-sS', ...tlsArgs, ...(format ? ['-o', '/dev/null', '-w', format] : []), target])).stdout;
  const links = JSON.parse(await text(`${url}/v1/providers/${NS}/${TYPE}/${INIT_VERSION}/download/linux/amd64`)) as {
    download_url: string;
    shasums_url: string;
    shasums_signature_url: string;
  };
  const file = (link: string) => new URL(link, url).toString();
  const steps: [string, string][] = [
    ['discovery', `${url}/.well-known/terraform.json`],
    ['versions', `${url}/v1/providers/${NS}/${TYPE}/versions`],
    ['download JSON', `${url}/v1/providers/${NS}/${TYPE}/${INIT_VERSION}/download/linux/amd64`],
  ];
  for (const [name, link] of [
    ['SHA256SUMS', links.shasums_url],
    ['SHA256SUMS.sig', links.shasums_signature_url],
    ['zip', links.download_url],
  ] as const) {
    steps.push([`${name} (302)`, file(link)], [`  → s3rver ${name}`, await text(file(link), '%{redirect_url}')]);
  }
  console.log('  the replica path, each request terraform makes (curl, a new connection each, median of 3):');
  let sum = 0;
  for (const [label, target] of steps) {
    const rounds = [await curl(target), await curl(target), await curl(target)];
    const pick = (key: 'tls' | 'first' | 'total') => median(rounds.map((r) => r[key]));
    const { size, status } = rounds[0]!;
    sum += pick('total');
    const rate =
      size > MIB ? `  ${(size / MIB).toFixed(1)} MiB at ${(size / (pick('total') / 1000) / 1e6).toFixed(0)} MB/s` : '';
    console.log(
      `    ${label.padEnd(24)} ${status}  TLS ${pick('tls').toFixed(1).padStart(5)} ms  first byte ${pick('first').toFixed(1).padStart(5)} ms  total ${pick('total').toFixed(1).padStart(6)} ms${rate}`,
    );
  }
  console.log(`    sum ${sum.toFixed(0)} ms (the filesystem mirror makes none of these requests)`);
}

/**
 * The provider for the terraform figure, linux_amd64 only (what terraform installs here): a real ELF header, then
 * terraform's own executable bytes (repeated if need be) up to `binaryMiB`: real Go code, which deflates as a real
 * provider does (about 2:1), where random bytes would not deflate and a pattern would vanish.
 */
async function buildInitRelease(
  dir: string,
  binaryMiB: number,
): Promise<{ files: ReleaseFile[]; publicKeyArmored: string }> {
  const project = await writeExampleProject(dir, {
    name: TYPE,
    version: INIT_VERSION,
    platforms: ['linux_amd64'],
    binarySize: 4096,
  });
  const code = await readFile(execFileSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).trim());
  const size = binaryMiB * MIB;
  const binary = Buffer.alloc(size);
  createFakeExecutable('linux_amd64', 4096).copy(binary, 0);
  for (let at = 4096; at < size; at += code.length) code.copy(binary, at, 0, Math.min(code.length, size - at));
  await writeFile(join(dir, 'bin', 'linux_amd64', `${TYPE}_v${INIT_VERSION}`), binary, { mode: 0o755 });
  await packageRelease({
    name: TYPE,
    version: INIT_VERSION,
    protocols: ['6.0'],
    inputs: [{ path: join(dir, 'bin') }],
    outDir: project.distDir,
  });
  const key = await decryptPrivateKey(await readFile(project.privateKeyPath), project.passphrase);
  await signRelease(await readReleaseFiles([project.distDir]), key);
  return { files: await readReleaseFiles([project.distDir]), publicKeyArmored: project.publicKeyArmored };
}

// 3. Upload ------------------------------------------------------------------------------------------------------

async function benchUpload(root: string, token: string, serve: Serve): Promise<boolean> {
  const uploadMiB = Number(values['upload-mib']);
  const version = '2.0.0';
  const fileName = `terraform-provider-${TYPE}_${version}_linux_amd64.zip`;
  const zip = join(root, fileName);
  await writeStoredZip(zip, {
    name: `terraform-provider-${TYPE}_v${version}`,
    head: createFakeExecutable('linux_amd64', 4096),
    filler: randomBytes(MIB),
    size: uploadMiB * MIB,
  });
  const { size } = await stat(zip);
  console.log(
    `\n3. Upload: ${fileName}, ${(size / MIB).toFixed(0)} MiB (a stored zip), client uploadFile streamed from disk ` +
      'to a fresh replica on PostgreSQL + S3 (s3rver)',
  );
  const replica = await serve('replica-upload', { scale: true });
  let seconds: number;
  let idle: number;
  let peak: number;
  try {
    const client = await createRegistryClient({ url: replica.url, token, timeoutMs: 600_000 });
    try {
      const latest = (await client.getVersion(NS, TYPE, LATEST))!;
      await client.createVersion(NS, TYPE, { version, protocols: ['6'], key_id: latest.key_id });
      idle = peakRssMiB(replica.pid);
      const started = performance.now();
      await client.uploadFile({ namespace: NS, type: TYPE, version }, fileName, zip);
      seconds = (performance.now() - started) / 1000;
      peak = peakRssMiB(replica.pid);
    } finally {
      await client.close();
    }
  } finally {
    await replica.stop();
    await rm(zip, { force: true });
  }
  const speed = size / seconds / 1e6;
  const ok = peak < MAX_UPLOAD_RSS_MIB;
  console.log(`  ${speed.toFixed(0)} MB/s (${seconds.toFixed(1)} s)`);
  console.log(
    `  replica peak RSS (VmHWM) ${peak.toFixed(0)} MiB (peak before the upload ${idle.toFixed(0)} MiB): ` +
      `${verdict(ok)} (< ${MAX_UPLOAD_RSS_MIB} MiB)`,
  );
  rows.push(
    {
      figure: `upload ${(size / MIB).toFixed(0)} MiB to S3, throughput`,
      signet: `${speed.toFixed(0)} MB/s`,
      baseline: '',
      ratio: '',
      target: '(reported)',
      verdict: '',
    },
    {
      figure: 'upload, replica peak RSS (VmHWM)',
      signet: `${peak.toFixed(0)} MiB`,
      baseline: `before the upload ${idle.toFixed(0)} MiB`,
      ratio: '',
      target: `< ${MAX_UPLOAD_RSS_MIB} MiB`,
      verdict: verdict(ok),
    },
  );
  return !ok;
}

// The servers ----------------------------------------------------------------------------------------------------

async function startSignet(
  bundle: string,
  options: { dataDir: string; token: string; tls: boolean; extraArgs: string[]; env: Record<string, string> },
): Promise<Server> {
  // The real `signet serve`, as deployed: the bundled CLI run by plain Node with the bundle's own flags (no tsx).
  // `--quiet` turns the access log off, as nginx's is here, so that each does the same work per request.
  const args = [
    'serve',
    ...(options.tls ? [] : ['--no-tls']),
    '--data',
    options.dataDir,
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--max-file-size',
    '2GiB',
    '--json',
    '--quiet',
    ...options.extraArgs,
  ];
  const child = spawn(process.execPath, [...CLI_NODE_FLAGS, bundle, ...args], {
    env: { ...process.env, SIGNET_ADMIN_TOKEN: options.token, ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = () => stopChild(child, exited);
  cleanups.push(stop);
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`signet serve exited with ${code} before listening`)));
  });
  child.stdout.resume();
  const info = JSON.parse(line) as { port: number; url?: string; caFile?: string };
  const url = options.tls ? info.url! : `http://127.0.0.1:${info.port}`;
  return { url, pid: child.pid!, ...(info.caFile ? { caFile: info.caFile } : {}), stop };
}

/**
 * nginx in the foreground on a free port, serving the export with the documented server block minus TLS; the
 * main config as bench/registry.ts has it (every core, sendfile, unlimited keep-alive like Node, no access log).
 */
async function startNginx(dir: string, exportDir: string): Promise<Server> {
  const port = await freePort();
  await mkdir(join(dir, 'temp'), { recursive: true });
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/temp/${t};`);
  const server = formatNginxStaticConfig({
    root: exportDir,
    listen: `127.0.0.1:${port}`,
    serverName: 'localhost',
    certificate: '',
    certificateKey: '',
  })
    .replace(/^(\s*listen [^;]*) ssl;$/m, '$1;')
    .replace(/^\s*ssl_certificate(_key)? ;\n/gm, '');
  if (server.includes('ssl')) throw new Error(`Could not take TLS out of the server block:\n${server}`);
  await writeFile(
    join(dir, 'nginx.conf'),
    `${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes auto;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000000;
  ${temp.join('\n  ')}
${server}
}
`,
  );
  const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: 'inherit',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = () => stopChild(child, exited);
  cleanups.push(stop);
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${await readFile(join(dir, 'error.log'), 'utf8')}`);
    if (
      await fetch(`${url}/.well-known/terraform.json`).then(
        () => true,
        () => false,
      )
    )
      break;
    if (attempt > 100) throw new Error(`nginx did not answer on ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, pid: child.pid!, stop };
}

/**
 * s3rver (the S3 tests' `startTestS3Server`) in a Node process of its own, so that it does not share this process's
 * event loop with the client it receives the upload from. It stops on SIGTERM, or when this process goes (stdin).
 */
async function startS3rver() {
  const helper = join(dirname(fileURLToPath(import.meta.url)), '../packages/registry/src/testing/s3-server.ts');
  const code = `
    import { startTestS3Server } from ${JSON.stringify(helper)};
    const s3 = await startTestS3Server();
    const bucket = await s3.createBucket();
    console.log(JSON.stringify({ endpoint: s3.endpoint, bucket, credentials: s3.credentials }));
    const close = () => void s3.close().then(() => process.exit(0));
    process.once('SIGTERM', close);
    process.stdin.on('end', close).resume();`;
  const child = spawn(process.execPath, ['--no-warnings', '--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(() => stopChild(child, exited));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code} before listening`)));
  });
  child.stdout.resume();
  return JSON.parse(line) as {
    endpoint: string;
    bucket: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await exited;
}

async function cli(bundle: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [...CLI_NODE_FLAGS, bundle, ...args], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`signet ${args.slice(0, 2).join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, {
      cause: error,
    });
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ----------------------------------------------------------------------------------------------------------------

function printTable(loadStart: number[], loadEnd: number[]): void {
  if (rows.length === 0) return;
  const header: Row = {
    figure: 'figure',
    signet: 'signet',
    baseline: 'baseline (same run)',
    ratio: 'ratio',
    target: 'target',
    verdict: '',
  };
  const keys = Object.keys(header) as (keyof Row)[];
  const widths = keys.map((key) => Math.max(...[header, ...rows].map((row) => row[key].length)));
  const line = (row: Row) =>
    keys
      .map((key, i) => row[key].padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log('\nSummary');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  console.log(`\nLoad average (1, 5, 15 min): ${fmtLoad(loadStart)} at start, ${fmtLoad(loadEnd)} at the end.`);
}

function peakRssMiB(pid: number): number {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!kb) throw new Error(`No VmHWM in /proc/${pid}/status`);
  return Number(kb[1]) / 1024;
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function fmtLoad(load: number[]): string {
  return load.map((l) => l.toFixed(2)).join(', ');
}

function verdict(ok: boolean): string {
  return ok ? 'PASS' : 'FAIL';
}

function fmtRps(rps: number): string {
  return rps.toFixed(0).padStart(7);
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
