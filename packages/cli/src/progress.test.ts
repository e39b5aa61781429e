// Progress lines on a terminal, and silence where a log or a parser reads the output. Asserted on what is written
// to a stream that poses as a terminal (isTTY, columns), with a clock the test drives.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { writeSignedRelease, type SignedRelease } from '@signet/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CliContext } from './context';
import { createProgress } from './progress';
import { createCaptureStream, runCli } from './testing/run-cli';

/** What a terminal shows for what was written: `\r` and erase-line rewrite the current line. */
function screen(written: string): string[] {
  const lines: string[] = [''];
  for (const part of written.replaceAll('\x1b[2K', '').split(/(\r|\n)/)) {
    if (part === '\n') lines.push('');
    else if (part === '\r') lines[lines.length - 1] = '';
    else lines[lines.length - 1] += part;
  }
  return lines.filter((line, i) => line !== '' || i < lines.length - 1);
}

function terminal(env: Record<string, string> = {}, columns = 80) {
  const stderr = createCaptureStream({ columns });
  const context: CliContext = { stdout: createCaptureStream({ columns }), stderr, env, cwd: '/' };
  let clock = 0;
  return { stderr, context, now: () => clock, advance: (ms: number) => (clock += ms) };
}

describe('createProgress on a terminal', () => {
  it('draws one line per phase, rewritten in place, each left in its final state', () => {
    const t = terminal();
    const progress = createProgress(t.context, false, { now: t.now });
    progress.phase('packaging');
    for (let done = 1; done <= 3; done++) {
      t.advance(200);
      progress.count(done, 3, 'platforms');
    }
    progress.phase('validating', '5 files (hashing 3.0 MiB)…');
    progress.done();
    expect(t.stderr.text()).toContain('\r\x1b[2Kpackaging 1/3 platforms');
    expect(screen(t.stderr.text())).toEqual(['packaging 3/3 platforms', 'validating 5 files (hashing 3.0 MiB)…']);
  });

  it('shows upload bytes with the rate since the phase started', () => {
    const t = terminal();
    const progress = createProgress(t.context, false, { now: t.now });
    progress.phase('uploading');
    t.advance(1000);
    progress.bytes('x.zip', 1024 * 1024, 4 * 1024 * 1024);
    t.advance(1000);
    progress.bytes('x.zip', 4 * 1024 * 1024, 4 * 1024 * 1024);
    progress.done();
    expect(t.stderr.text()).toContain('uploading x.zip 1.0 MiB/4.0 MiB  1.0 MiB/s');
    expect(screen(t.stderr.text())).toEqual(['uploading x.zip 4.0 MiB/4.0 MiB  2.0 MiB/s']);
  });

  it('redraws at most every 100 ms, but always draws the last state', () => {
    const t = terminal();
    const progress = createProgress(t.context, false, { now: t.now });
    progress.phase('uploading');
    for (let sent = 1; sent <= 100; sent++) progress.bytes('x.zip', sent, 100); // no time passes
    progress.done();
    const draws = t.stderr.text().split('\r').length - 1;
    expect(draws).toBe(2); // the phase's start and the last state
    expect(screen(t.stderr.text())).toEqual([expect.stringMatching(/^uploading x\.zip 100 B\/100 B/)]);
  });

  it('keeps a line within the terminal width (a wrapped line cannot be rewritten)', () => {
    const t = terminal({}, 40);
    const progress = createProgress(t.context, false, { now: t.now });
    progress.phase('uploading');
    t.advance(200);
    progress.bytes('terraform-provider-hello_1.0.0_linux_amd64.zip', 10, 100);
    progress.done();
    for (const line of screen(t.stderr.text())) expect(line.length).toBeLessThan(40);
  });

  it('notes stand on lines of their own between phases', () => {
    const t = terminal();
    const progress = createProgress(t.context, false, { now: t.now });
    progress.phase('validating');
    progress.note('Created namespace acme.');
    progress.phase('uploading');
    progress.done();
    expect(screen(t.stderr.text())).toEqual(['validating…', 'Created namespace acme.', 'uploading…']);
  });

  it.each([
    ['in CI', { CI: 'true' }, false, true],
    ['with --json', {}, true, true],
    ['when stderr is not a terminal', {}, false, false],
  ])('is silent %s', (_when, env, json, tty) => {
    const stderr = createCaptureStream(tty ? { columns: 80 } : undefined);
    const progress = createProgress({ stdout: createCaptureStream(), stderr, env, cwd: '/' }, json);
    progress.phase('packaging');
    progress.count(1, 1, 'platforms');
    progress.bytes('x.zip', 1, 1);
    progress.note('Created namespace acme.');
    progress.done();
    expect(progress.enabled).toBe(false);
    expect(stderr.text()).toBe('');
  });
});

describe('commands on a terminal', () => {
  let dir: string;
  let release: SignedRelease;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signet-progress-'));
    release = await writeSignedRelease(join(dir, 'project'), { platforms: ['linux_amd64', 'darwin_arm64'] });
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const packageArgs = (out: string) => [
    'package',
    '--name',
    'hello',
    '--version',
    '1.0.0',
    '--out',
    join(dir, out),
    join(release.project.dir, 'bin'),
  ];

  it('package shows one packaging line, and the result once, on stdout', async () => {
    const run = await runCli(packageArgs('tty'), { cwd: dir, tty: { columns: 100 } });
    expect(run.code).toBe(0);
    expect(screen(run.stderr)).toEqual(['packaging 2/2 platforms']);
    expect(run.stdout).toMatch(/^Packaged hello 1\.0\.0/);
    expect(run.stdout).not.toContain('packaging');
  });

  it('validate shows its validating line, then the report on stdout', async () => {
    const run = await runCli(['validate', release.project.distDir, '--key', release.project.publicKeyPath], {
      cwd: dir,
      tty: { columns: 100 },
    });
    expect(run.code).toBe(0);
    expect(screen(run.stderr)).toEqual([expect.stringMatching(/^validating 5 files \(hashing \d+(\.\d)? (B|KiB)\)…$/)]);
    expect(run.stdout).toContain('\x1b[32mOK\x1b[39m: the release is complete'); // a terminal: in colour
  });

  it('release shows its packaging, signing and validating lines, then the result once, on stdout', async () => {
    const run = await runCli(['release', '-c', release.project.configPath], {
      cwd: dir,
      env: { SIGNET_GPG_PASSPHRASE: release.project.passphrase },
      tty: { columns: 100 },
    });
    expect(run.code).toBe(0);
    expect(screen(run.stderr)).toEqual([
      'packaging 2/2 platforms',
      expect.stringMatching(/^signing SHA256SUMS with key [0-9A-F]{16}…$/),
      expect.stringMatching(/^validating 5 files \(hashing \d+(\.\d)? (B|KiB)\)…$/),
    ]);
    expect(run.stdout).toContain('\x1b[32mOK\x1b[39m: the release is complete');
    expect(run.stdout).not.toContain('packaging');
  });

  it('keys generate shows its generating line; a usage error is found before it starts', async () => {
    const args = ['keys', 'generate', '--name', 'Dev', '--email', 'dev@example.com', '--algorithm', 'ed25519'];
    const run = await runCli([...args, '--out', join(dir, 'gen')], { cwd: dir, tty: { columns: 100 } });
    expect(run.code).toBe(0);
    expect(screen(run.stderr)).toEqual(['generating an Ed25519 key…']);
    const bad = await runCli([...args, '--expires', 'soon'], { cwd: dir, tty: { columns: 100 } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain('generating');
  });

  it.each([
    ['CI is set', { CI: 'true' }, [], true],
    ['--json is given', {}, ['--json'], true],
    ['the streams are pipes', {}, [], false],
  ])('package and validate print no progress when %s', async (_when, env, extra, tty) => {
    const options = { cwd: dir, env, ...(tty ? { tty: { columns: 100 } } : {}) };
    const packaged = await runCli([...packageArgs(`quiet-${extra.length}-${tty}`), ...extra], options);
    const validated = await runCli(['validate', release.project.distDir, ...extra], options);
    expect([packaged.code, validated.code]).toEqual([0, 0]);
    expect(packaged.stderr + validated.stderr).toBe('');
  });
});
