// `pnpm bench registry`: the registry's read side, downloads and uploads (design.md §8), each figure next to nginx
// measured in the same run on the same 2 cores:
//   1. JSON reads at 100 connections with `wrk -t2 -c100 -d10s --latency` (after a 3 s warm-up): versions, download
//      JSON, mirror JSON. nginx (worker_processes auto, sendfile, unlimited keep-alive like Node) serves the bytes
//      Signet answered, from files, with the same Content-Type. Plain HTTP for both: TLS would terminate the same
//      way in front of either. Signet runs twice side by side, on copies of one data folder: one process, and
//      `--workers N` (default 2: nginx uses every core, so may Signet). Targets: one process ≥ 0.5× nginx's
//      requests/second, the workers ≥ 0.8×, p99 < 10 ms.
//   2. Download of a large published zip (random bytes, so deflate cannot shrink it) with curl, a few runs each, from
//      nginx, one Signet process and the workers.
//   3. Upload of a 1 GiB zip (one stored entry of random bytes: a real zip, so the server's zip inspection is part of
//      what is measured) with `curl -T` (streamed from disk, Content-Length), into a draft 2.0.0 of a freshly started
//      server, next to nginx storing the same file with WebDAV PUT. Target: the server's peak RSS (VmHWM) < 150 MiB.
// Signet is the real `signet serve --no-tls`, bundled (`pnpm build:cli`) and run by plain Node in a child process. Everything lives in a temporary folder; nothing is
// installed: without wrk, nginx, curl or zip the script says which apt command to run and exits 1.
//
//   pnpm bench registry [--duration S] [--connections N] [--zip-mib N] [--upload-mib N] [--download-runs N]
//                       [--workers N]
// A quick look that it all runs (figures meaningless): --duration 2 --zip-mib 8 --upload-mib 16 --download-runs 1
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { buildCli, CLI_NODE_FLAGS } from '../scripts/build-cli';
import {
  buildRelease,
  call,
  curlSpeed,
  freePort,
  median,
  MIB,
  NS,
  publish,
  stopChild,
  TYPE,
  writeRandomExecutable,
  type Release,
} from './registry-fixture';

const MIN_RPS_RATIO = 0.5;
const MIN_WORKERS_RPS_RATIO = 0.8;
const MAX_P99_MS = 10;
const MAX_UPLOAD_RSS_MIB = 150;
const TOOLS = ['wrk', 'nginx', 'curl', 'zip'];

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '100' },
    'zip-mib': { type: 'string', default: '128' },
    'upload-mib': { type: 'string', default: '1024' },
    'download-runs': { type: 'string', default: '3' },
    workers: { type: 'string', default: '2' },
  },
});

// Built once per run, into a temporary folder (removed at exit): the bundle is self-contained.
const bundleDir = await mkdtemp(join(tmpdir(), 'signet-bench-cli-'));
process.once('exit', () => execFileSync('rm', ['-rf', bundleDir]));
const bundled = buildCli(join(bundleDir, 'signet.mjs'));

interface Signet {
  /** How it is shown: `signet` (one process) or `signet ×N` (--workers N). */
  name: string;
  url: string;
  /** The process started (the primary, with workers). */
  pid: number;
  stop(): Promise<void>;
}

interface Nginx {
  url: string;
  stop(): Promise<void>;
}

interface WrkResult {
  rps: number;
  p99Ms: number;
}

process.exitCode = await main();

async function main(): Promise<number> {
  // nginx lives in /usr/sbin, which a non-root PATH often lacks.
  process.env.PATH = `${process.env.PATH ?? ''}:/usr/sbin`;
  const missing = TOOLS.filter((tool) => !onPath(tool));
  if (missing.length > 0) {
    console.error(`\n!!! pnpm bench registry needs ${missing.join(', ')}, not found on PATH.`);
    console.error(`!!! Install: sudo apt-get install -y ${missing.join(' ')}\n`);
    return 1;
  }
  const root = await mkdtemp(join(tmpdir(), 'signet-bench-registry-'));
  const token = `signet_bench-${randomBytes(16).toString('hex')}`;
  const dataDir = join(root, 'data');
  let failed = false;
  try {
    const zipMiB = Number(values['zip-mib']);
    console.log(`Building a release whose linux_amd64 zip holds ${zipMiB} MiB of random bytes…`);
    const release = await buildRelease(join(root, 'release'), zipMiB);
    const workers = Number(values.workers);
    let signet = await startSignet(dataDir, token);
    const paths = await publish(signet.url, token, release);
    // The workers serve a copy of the same folder (one SQLite file has one owner): the same bytes, signing key and
    // URLs, both servers running at once so that each measure interleaves nginx, one process and the workers.
    await signet.stop();
    const workersDir = join(root, 'data-workers');
    await cp(dataDir, workersDir, { recursive: true });
    signet = await startSignet(dataDir, token);
    const cluster = await startSignet(workersDir, token, workers);
    try {
      const nginx = await startNginx(join(root, 'nginx'));
      try {
        const www = join(root, 'nginx', 'www');
        copyBodiesForNginx(signet.url, www, Object.values(paths));
        failed = benchReads([signet, cluster], nginx, paths) || failed;
        benchDownload([signet, cluster], nginx, paths.zip, (await stat(join(www, paths.zip))).size);
        console.log(
          `Signet peak RSS after reads and downloads: ${peakRssMiB(signet.pid).toFixed(0)} MiB (one process)`,
        );
      } finally {
        await nginx.stop();
      }
    } finally {
      await cluster.stop();
      await signet.stop();
    }
    failed = (await benchUpload(root, dataDir, token, release)) || failed;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

// The release -------------------------------------------------------------------------------------------------

// The servers -------------------------------------------------------------------------------------------------

async function startSignet(dataDir: string, token: string, workers = 1): Promise<Signet> {
  // The real `signet serve`, as deployed: the bundled CLI run by plain Node with the bundle's own flags (no tsx).
  const bundle = await bundled;
  const args = [
    'serve',
    '--no-tls',
    '--data',
    dataDir,
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--max-file-size',
    '2GiB',
    '--json',
    // nginx runs with `access_log off`; so does Signet, so that both do the same work per request.
    '--quiet',
    ...(workers > 1 ? ['--workers', String(workers)] : []),
  ];
  const child = spawn(process.execPath, [...CLI_NODE_FLAGS, bundle, ...args], {
    env: { ...process.env, SIGNET_ADMIN_TOKEN: token },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`signet serve exited with ${code} before listening`)));
  });
  const { port } = JSON.parse(line) as { port: number };
  return {
    name: workers > 1 ? `signet ×${workers}` : 'signet',
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () => stopChild(child, exited),
  };
}

/** nginx on a free port with its own prefix, config, pid file and temp folders; `daemon off` so it is our child. */
async function startNginx(dir: string): Promise<Nginx> {
  const port = await freePort();
  for (const sub of ['www/upload', 'temp']) await mkdir(join(dir, sub), { recursive: true });
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/temp/${t};`);
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
  types {}
  default_type application/json;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/www;
    location /v1/files/ { default_type application/zip; }
    location /upload/ { dav_methods PUT; client_max_body_size 0; }
  }
}
`,
  );
  const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: 'inherit',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${await readFile(join(dir, 'error.log'), 'utf8')}`);
    if (
      await fetch(url).then(
        () => true,
        () => false,
      )
    )
      break;
    if (attempt > 100) throw new Error(`nginx did not answer on ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, stop: () => stopChild(child, exited) };
}

/** Writes what Signet answers on each path under nginx's root, so both serve the same bytes. */
function copyBodiesForNginx(url: string, www: string, paths: string[]): void {
  for (const path of paths) {
    execFileSync('curl', ['-sSf', '--create-dirs', '-o', join(www, path), url + path]);
  }
}

// 1. Reads ----------------------------------------------------------------------------------------------------

function benchReads(signets: Signet[], nginx: Nginx, paths: Record<string, string>): boolean {
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  console.log(
    `\n1. JSON reads: wrk -t2 -c${connections} -d${duration}s --latency after a 3 s warm-up, plain HTTP to 127.0.0.1 ` +
      `for all (TLS would terminate the same way in front of each); nginx worker_processes auto, ` +
      `${signets.map((s) => s.name).join(' and ')}.`,
  );
  let failed = false;
  for (const route of ['versions', 'download', 'mirror'] as const) {
    const path = paths[route]!;
    for (const signet of signets) assertSameBody(signet.url + path, nginx.url + path);
    const base = wrk(nginx.url + path, connections, duration);
    console.log(`GET ${path}`);
    console.log(`  ${'nginx'.padEnd(10)} ${fmtRps(base.rps)} req/s, p99 ${base.p99Ms.toFixed(2)} ms`);
    for (const signet of signets) {
      const ours = wrk(signet.url + path, connections, duration);
      const ratio = ours.rps / base.rps;
      const goal = signet.name === 'signet' ? MIN_RPS_RATIO : MIN_WORKERS_RPS_RATIO;
      const rpsOk = ratio >= goal;
      const p99Ok = ours.p99Ms < MAX_P99_MS;
      failed ||= !rpsOk || !p99Ok;
      console.log(
        `  ${signet.name.padEnd(10)} ${fmtRps(ours.rps)} req/s, p99 ${ours.p99Ms.toFixed(2)} ms: ` +
          `${ratio.toFixed(2)}× nginx ${verdict(rpsOk)} (≥ ${goal}×); p99 ${verdict(p99Ok)} (< ${MAX_P99_MS} ms)`,
      );
    }
  }
  return failed;
}

function assertSameBody(signetUrl: string, nginxUrl: string): void {
  // curl, not fetch: undici may reuse a keep-alive socket the server closed while wrk ran.
  const get = (url: string) => execFileSync('curl', ['-sSf', '-w', '\n%{content_type}', url], { encoding: 'utf8' });
  if (get(signetUrl) !== get(nginxUrl)) {
    throw new Error(`nginx does not serve what Signet serves on ${new URL(signetUrl).pathname}`);
  }
}

function wrk(url: string, connections: number, duration: number): WrkResult {
  const args = ['-t2', `-c${connections}`, '--latency', url];
  execFileSync('wrk', ['-d3s', ...args], { encoding: 'utf8' });
  const out = execFileSync('wrk', [`-d${duration}s`, ...args], { encoding: 'utf8' });
  const failures = /Non-2xx or 3xx responses: (\d+)|Socket errors: .*/.exec(out);
  if (failures) throw new Error(`wrk ${url}: ${failures[0]}\n${out}`);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(out);
  if (!rps || !p99) throw new Error(`Could not read wrk's output:\n${out}`);
  const scale = { us: 1e-3, ms: 1, s: 1e3 }[p99[2] as 'us' | 'ms' | 's'];
  return { rps: Number(rps[1]), p99Ms: Number(p99[1]) * scale };
}

// 2. Download -------------------------------------------------------------------------------------------------

function benchDownload(signets: Signet[], nginx: Nginx, path: string, size: number): void {
  const runs = Number(values['download-runs']);
  console.log(`\n2. Zip download: curl GET ${path} (${(size / MIB).toFixed(0)} MiB) to /dev/null, ${runs} runs`);
  const servers = [{ name: 'nginx', url: nginx.url }, ...signets];
  const speeds = servers.map(() => [] as number[]);
  for (let run = 0; run < runs; run++) {
    servers.forEach((server, i) => speeds[i]!.push(curlSpeed(['-o', '/dev/null', server.url + path], 'download')));
  }
  const base = median(speeds[0]!);
  servers.forEach((server, i) => {
    const ours = median(speeds[i]!);
    const ratio = i === 0 ? '' : `: ${(ours / base).toFixed(2)}× nginx`;
    console.log(
      `  ${server.name.padEnd(10)} median ${ours.toFixed(0)} MB/s (${speeds[i]!.map((s) => s.toFixed(0)).join(', ')})${ratio}`,
    );
  });
}

// 3. Upload ---------------------------------------------------------------------------------------------------

async function benchUpload(root: string, dataDir: string, token: string, release: Release): Promise<boolean> {
  const uploadMiB = Number(values['upload-mib']);
  const dir = join(root, 'upload');
  const name = `terraform-provider-${TYPE}_2.0.0_linux_amd64.zip`;
  const zip = join(dir, name);
  await mkdir(dir, { recursive: true });
  await writeRandomExecutable(join(dir, `terraform-provider-${TYPE}_v2.0.0`), 'linux_amd64', uploadMiB * MIB);
  execFileSync('zip', ['-0', '-X', '-D', '-q', '-j', zip, join(dir, `terraform-provider-${TYPE}_v2.0.0`)]);
  await rm(join(dir, `terraform-provider-${TYPE}_v2.0.0`));
  const { size } = await stat(zip);
  console.log(
    `\n3. Upload: ${name}, ${(size / MIB).toFixed(0)} MiB (a zip with one stored entry of random bytes, so the ` +
      `server's zip inspection runs too), curl -T (streamed from disk, Content-Length), to a fresh server process`,
  );

  const nginx = await startNginx(join(root, 'nginx-upload'));
  let base: number;
  try {
    base = curlSpeed(['-T', zip, `${nginx.url}/upload/${name}`], 'upload');
  } finally {
    await nginx.stop();
  }

  const signet = await startSignet(dataDir, token);
  let ours: number;
  let idle: number;
  let peak: number;
  try {
    await call(signet.url, token, 'POST', `/api/v1/providers/${NS}/${TYPE}/versions`, {
      version: '2.0.0',
      protocols: ['6'],
      key_id: release.keyId,
    });
    idle = peakRssMiB(signet.pid);
    const path = `/api/v1/providers/${NS}/${TYPE}/versions/2.0.0/files/${name}`;
    ours = curlSpeed(
      [
        '-T',
        zip,
        '-H',
        `Authorization: Bearer ${token}`,
        '-H',
        'Content-Type: application/octet-stream',
        signet.url + path,
      ],
      'upload',
    );
    peak = peakRssMiB(signet.pid);
  } finally {
    await signet.stop();
  }
  const rssOk = peak < MAX_UPLOAD_RSS_MIB;
  console.log(`  nginx  (WebDAV PUT, stores without hashing) ${base.toFixed(0)} MB/s`);
  console.log(`  signet (stream, SHA-256, inspect the zip)   ${ours.toFixed(0)} MB/s (${(ours / base).toFixed(2)}×)`);
  console.log(
    `  signet server peak RSS (VmHWM) ${peak.toFixed(0)} MiB (peak before the upload ${idle.toFixed(0)} MiB): ` +
      `${verdict(rssOk)} (< ${MAX_UPLOAD_RSS_MIB} MiB)`,
  );
  return !rssOk;
}

// -------------------------------------------------------------------------------------------------------------

function peakRssMiB(pid: number): number {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!kb) throw new Error(`No VmHWM in /proc/${pid}/status`);
  return Number(kb[1]) / 1024;
}

function onPath(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function verdict(ok: boolean): string {
  return ok ? 'PASS' : 'FAIL';
}

function fmtRps(rps: number): string {
  return rps.toFixed(0).padStart(7);
}
