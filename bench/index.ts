// `pnpm bench [package|registry] [flags]`: runs the packaging benchmark (bench/package.ts), then the registry
// benchmark (bench/registry.ts), or the one named. Each runs in its own process with the flags that are its own;
// the exit code is 1 when any misses its targets.
//
//   pnpm bench                          both
//   pnpm bench package --runs 5         packaging only (--runs N, --binary PATH, --parallel N)
//   pnpm bench registry --duration 5    registry only (--duration S, --connections N, --zip-mib N,
//                                       --upload-mib N, --download-runs N)
//   pnpm bench scale --duration 5       scale-out only (--duration S, --connections N, --upload-mib N, --init-runs N,
//                                       --init-binary-mib N, --only reads,init,upload)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const BENCHES = {
  package: ['runs', 'binary', 'parallel'],
  registry: ['duration', 'connections', 'zip-mib', 'upload-mib', 'download-runs'],
  scale: ['duration', 'connections', 'upload-mib', 'init-runs', 'init-binary-mib', 'only'],
  desktop: ['runs', 'binary', 'upload-mib'],
} as const;
type Bench = keyof typeof BENCHES;

const flags = Object.values(BENCHES).flat();
const { positionals, tokens } = parseArgs({
  allowPositionals: true,
  tokens: true,
  options: Object.fromEntries(flags.map((flag) => [flag, { type: 'string' }])),
});
const unknown = positionals.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  throw new Error(`Expected a benchmark among ${Object.keys(BENCHES).join(', ')}, found ${JSON.stringify(unknown)}.`);
}
const chosen = (positionals.length > 0 ? positionals : Object.keys(BENCHES)) as Bench[];
const options = tokens.flatMap((t) => (t.kind === 'option' ? [{ name: t.name, value: t.value ?? '' }] : []));
const isFlagOf = (bench: Bench, name: string) => (BENCHES[bench] as readonly string[]).includes(name);
const stray = options.find((option) => !chosen.some((bench) => isFlagOf(bench, option.name)));
if (stray) throw new Error(`--${stray.name} is a flag of a benchmark that is not run; run that one or drop the flag.`);

let failed = false;
for (const bench of chosen) {
  const args = options.flatMap((o) => (isFlagOf(bench, o.name) ? [`--${o.name}`, o.value] : []));
  console.log(`\n=== bench/${bench}.ts ${args.join(' ')}\n`);
  const script = join(dirname(fileURLToPath(import.meta.url)), `${bench}.ts`);
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit' });
  failed ||= child.status !== 0;
}
process.exitCode = failed ? 1 : 0;
