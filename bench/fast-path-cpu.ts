// `pnpm exec tsx bench/fast-path-cpu.ts [--bundle A.mjs --bundle B.mjs …]`: what the fast path costs the server, in
// figures a loaded machine does not move much: the server process's CPU time (utime + stime from /proc/PID/stat)
// per JSON request under wrk, per 128 MiB zip download under curl, and its peak RSS (VmHWM) over a 1 GiB upload.
// Each bundle (default: the working tree, bundled now) runs as the real `signet serve --no-tls --quiet`, and the
// bundles are measured in turns (A, B, A, B, …) so that a change of load hits both alike. nginx (same config as
// bench/registry.ts) is measured in the same turns for the req/s and MB/s ratios, which a loaded machine does move.
//
//   pnpm exec tsx bench/fast-path-cpu.ts [--bundle FILE]… [--rounds N] [--duration S] [--zip-mib N]
//     [--upload-mib N] [--no-upload] [--no-nginx]
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
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
} from './registry-fixture';

// Clock ticks per second of /proc/PID/stat (USER_HZ): 100 on every Linux this runs on.
const HZ = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

const { values } = parseArgs({
  options: {
    bundle: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    'zip-mib': { type: 'string', default: '128' },
    'zip-runs': { type: 'string', default: '3' },
    'upload-mib': { type: 'string', default: '1024' },
    'no-upload': { type: 'boolean', default: false },
    'no-reads': { type: 'boolean', default: false },
    'no-nginx': { type: 'boolean', default: false },
    hold: { type: 'string' },
    'node-flag': { type: 'string', multiple: true },
    env: { type: 'string', multiple: true },
  },
});

interface Server {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const root = await mkdtemp(join(tmpdir(), 'signet-bench-fast-path-'));
try {
  await main();
} finally {
  await rm(root, { recursive: true, force: true });
}

async function main() {
  process.env.PATH = `${process.env.PATH ?? ''}:/usr/sbin`;
  const bundles = values.bundle ?? [await buildCli(join(root, 'cli', 'signet.mjs'))];
  const rounds = Number(values.rounds);
  const release = await buildRelease(join(root, 'release'), Number(values['zip-mib']));
  const token = `signet_bench-${randomBytes(16).toString('hex')}`;
  const servers: Server[] = [];
  for (const [index, bundle] of bundles.entries()) {
    const [file, ...flags] = bundle.split(' ');
    const name = `${index}:${basename(join(file!, '..'))}${flags.length > 0 ? ` ${flags.join(' ')}` : ''}`;
    const server = await startSignet(name, bundle, join(root, `data${index}`), token);
    servers.push(server);
  }
  let paths: Record<string, string> = {};
  for (const server of servers) paths = await publish(server.url, token, release);
  if (!values['no-nginx']) {
    const www = join(root, 'nginx', 'www');
    for (const path of Object.values(paths)) {
      execFileSync('curl', ['-sSf', '--create-dirs', '-o', join(www, path), servers[0]!.url + path]);
    }
    servers.push(await startNginx(join(root, 'nginx')));
  }
  if (values.hold !== undefined) {
    // For a profiler: the servers and paths, then nothing until the time is up.
    for (const server of servers) console.log(`${server.name} ${server.url} pid ${server.pid}`);
    console.log(JSON.stringify(paths));
    await new Promise((resolve) => setTimeout(resolve, Number(values.hold) * 1000));
    for (const server of servers) await server.stop();
    return;
  }
  try {
    const json: Record<string, Record<string, { us: number[]; rps: number[] }>> = {};
    const zip: Record<string, { ms: number[]; mbs: number[] }> = {};
    for (let round = 0; round < (values['no-reads'] ? 0 : rounds); round++) {
      for (const route of ['versions', 'download', 'mirror']) {
        for (const server of servers) {
          const figure = measureJson(server, paths[route]!);
          const entry = ((json[route] ??= {})[server.name] ??= { us: [], rps: [] });
          entry.us.push(figure.usPerRequest);
          entry.rps.push(figure.rps);
        }
      }
      for (const server of servers) {
        const figure = measureZip(server, paths.zip!);
        const entry = (zip[server.name] ??= { ms: [], mbs: [] });
        entry.ms.push(...figure.ms);
        entry.mbs.push(...figure.mbs);
      }
    }
    console.log(`\nJSON reads: wrk -t1 -c${values.connections} -d${values.duration}s, ${rounds} rounds, medians`);
    for (const [route, byServer] of Object.entries(json)) {
      console.log(`  ${route} ${paths[route]}`);
      for (const [name, { us, rps }] of Object.entries(byServer)) {
        console.log(
          `    ${name.padEnd(24)} ${median(us).toFixed(1).padStart(6)} µs CPU/request  ${median(rps).toFixed(0).padStart(7)} req/s` +
            `   (${us.map((u) => u.toFixed(1)).join(', ')})`,
        );
      }
    }
    console.log(`\nZip download: curl of ${paths.zip}, ${Number(values['zip-runs']) * rounds} runs, medians`);
    for (const [name, { ms, mbs }] of Object.entries(zip)) {
      console.log(
        `    ${name.padEnd(24)} ${median(ms).toFixed(1).padStart(6)} ms CPU/download  ${median(mbs).toFixed(0).padStart(6)} MB/s` +
          `   (${mbs.map((m) => m.toFixed(0)).join(', ')})`,
      );
    }
  } finally {
    for (const server of servers) await server.stop();
  }
  if (values['no-upload']) return;
  console.log(`\nUpload of a ${values['upload-mib']} MiB zip with curl -T to a fresh server, peak RSS (VmHWM)`);
  const zipFile = await buildUploadZip(join(root, 'upload'), Number(values['upload-mib']));
  for (let round = 0; round < rounds; round++) {
    for (const [index, bundle] of bundles.entries()) {
      const dataDir = join(root, `data${index}`);
      const server = await startSignet(`${index}`, bundle, dataDir, token);
      try {
        if (round === 0) {
          await call(server.url, token, 'POST', `/api/v1/providers/${NS}/${TYPE}/versions`, {
            version: '2.0.0',
            protocols: ['6'],
            key_id: release.keyId,
          });
        }
        const before = status(server.pid);
        const cpuBefore = cpuTicks(server.pid);
        const name = basename(zipFile);
        const mbs = curlSpeed(
          [
            '-T',
            zipFile,
            '-H',
            `Authorization: Bearer ${token}`,
            '-H',
            'Content-Type: application/octet-stream',
            `${server.url}/api/v1/providers/${NS}/${TYPE}/versions/2.0.0/files/${name}`,
          ],
          'upload',
        );
        const cpuMs = ((cpuTicks(server.pid) - cpuBefore) * 1000) / HZ;
        const after = status(server.pid);
        console.log(
          `    ${bundles[index]!.padEnd(40)} ${mbs.toFixed(0).padStart(5)} MB/s  CPU ${cpuMs.toFixed(0)} ms  ` +
            `VmHWM ${before.hwm.toFixed(0)} → ${after.hwm.toFixed(0)} MiB (RSS after ${after.rss.toFixed(0)} MiB)`,
        );
      } finally {
        await server.stop();
      }
    }
  }
}

function measureJson(server: Server, path: string) {
  const args = ['-t1', `-c${values.connections}`, server.url + path];
  execFileSync('wrk', ['-d1s', ...args], { encoding: 'utf8' });
  const before = server.pid > 0 ? cpuTicks(server.pid) : 0;
  const out = execFileSync('wrk', [`-d${values.duration}s`, ...args], { encoding: 'utf8' });
  const ticks = server.pid > 0 ? cpuTicks(server.pid) - before : NaN;
  if (/Non-2xx or 3xx responses|Socket errors/.test(out)) throw new Error(`wrk ${server.url + path}:\n${out}`);
  const requests = Number(/(\d+) requests in/.exec(out)![1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]);
  return { usPerRequest: (ticks * 1e6) / HZ / requests, rps };
}

function measureZip(server: Server, path: string) {
  const ms: number[] = [];
  const mbs: number[] = [];
  for (let run = 0; run < Number(values['zip-runs']); run++) {
    const before = server.pid > 0 ? cpuTicks(server.pid) : 0;
    mbs.push(curlSpeed(['-o', '/dev/null', server.url + path], 'download'));
    ms.push(server.pid > 0 ? ((cpuTicks(server.pid) - before) * 1000) / HZ : NaN);
  }
  return { ms, mbs };
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at `)`; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function status(pid: number) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)![1]) / 1024;
  return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
}

async function buildUploadZip(dir: string, mib: number): Promise<string> {
  const name = `terraform-provider-${TYPE}_2.0.0_linux_amd64.zip`;
  await mkdir(dir, { recursive: true });
  const binary = join(dir, `terraform-provider-${TYPE}_v2.0.0`);
  await writeRandomExecutable(binary, 'linux_amd64', mib * MIB);
  execFileSync('zip', ['-0', '-X', '-D', '-q', '-j', join(dir, name), binary]);
  await rm(binary);
  await stat(join(dir, name));
  return join(dir, name);
}

async function startSignet(name: string, bundle: string, dataDir: string, token: string): Promise<Server> {
  const args = ['serve', '--no-tls', '--data', dataDir, '--port', '0', '--host', '127.0.0.1'];
  args.push('--max-file-size', '2GiB', '--json', '--quiet');
  const extraEnv = Object.fromEntries((values.env ?? []).map((pair) => pair.split('=', 2) as [string, string]));
  // `--bundle 'FILE --flag …'`: that bundle runs with those Node flags too (after the CLI's own, so they win).
  const [file, ...flags] = bundle.split(' ');
  const child = spawn(process.execPath, [...CLI_NODE_FLAGS, ...(values['node-flag'] ?? []), ...flags, file!, ...args], {
    env: { ...process.env, ...extraEnv, SIGNET_ADMIN_TOKEN: token },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`signet serve exited with ${code} before listening`)));
  });
  const { port } = JSON.parse(line) as { port: number };
  return { name, url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => stopChild(child, exited) };
}

async function startNginx(dir: string): Promise<Server> {
  const port = await freePort();
  for (const sub of ['www', 'temp']) await mkdir(join(dir, sub), { recursive: true });
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
  // nginx's CPU is spread over its workers: not measured (pid 0), only its req/s and MB/s.
  return { name: 'nginx', url, pid: 0, stop: () => stopChild(child, exited) };
}
