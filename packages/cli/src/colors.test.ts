// Colour for errors and warnings: on a terminal, never with NO_COLOR, always with FORCE_COLOR (which wins, as in
// Node). Asserted on what commands write to streams that pose as terminals or pipes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { writeSignedRelease, type SignedRelease } from '@signet/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createColors, isColorEnabled } from './colors';
import { runCli } from './testing/run-cli';

const RED_BOLD_ERROR = '\x1b[1m\x1b[31merror\x1b[39m\x1b[22m';
const YELLOW_BOLD_WARNING = '\x1b[1m\x1b[33mwarning\x1b[39m\x1b[22m';

describe('isColorEnabled', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it.each([
    [tty, {}, true],
    [pipe, {}, false],
    [tty, { NO_COLOR: '1' }, false],
    [tty, { NO_COLOR: '' }, true], // no-color.org: only a non-empty value counts
    [tty, { TERM: 'dumb' }, false],
    [pipe, { FORCE_COLOR: '1' }, true],
    [pipe, { FORCE_COLOR: '' }, true],
    [tty, { FORCE_COLOR: '0' }, false],
    [tty, { FORCE_COLOR: 'false' }, false],
    [pipe, { FORCE_COLOR: '1', NO_COLOR: '1' }, true], // FORCE_COLOR wins, as in Node
  ])('%j with %j: %s', (stream, env, expected) => {
    expect(isColorEnabled(stream, env)).toBe(expected);
  });

  it('leaves text alone when colour is off', () => {
    const colors = createColors({ isTTY: false }, {});
    expect(colors.error('error')).toBe('error');
    expect(createColors({ isTTY: true }, {}).error('error')).toBe(RED_BOLD_ERROR);
  });
});

describe('commands colour their errors and warnings', () => {
  let dir: string;
  let release: SignedRelease;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signet-colors-'));
    release = await writeSignedRelease(join(dir, 'project'), { platforms: ['linux_amd64'] });
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  // --protocols 5.0 against a 6.0 manifest is an error (PROTOCOL_MISMATCH); without --key a warning comes too
  // (SIGNATURE_UNVERIFIED).
  const validateBroken = (env: Record<string, string>, tty: boolean) =>
    runCli(['validate', release.project.distDir, '--protocols', '5.0'], {
      cwd: dir,
      env,
      ...(tty ? { tty: { columns: 100 } } : {}),
    });

  it('on a terminal: errors red, warnings yellow, the verdict red', async () => {
    const run = await validateBroken({}, true);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${RED_BOLD_ERROR} PROTOCOL_MISMATCH`);
    expect(run.stdout).toContain(`${YELLOW_BOLD_WARNING} SIGNATURE_UNVERIFIED`);
    expect(run.stdout).toContain('\x1b[1m\x1b[31mFAILED\x1b[39m\x1b[22m: 1 error(s).');
  });

  it.each([
    ['NO_COLOR on a terminal', { NO_COLOR: '1' }, true],
    ['FORCE_COLOR=0 on a terminal', { FORCE_COLOR: '0' }, true],
    ['a pipe', {}, false],
  ])('none with %s', async (_what, env, tty) => {
    const run = await validateBroken(env, tty);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('error PROTOCOL_MISMATCH');
    expect(run.stdout).not.toContain('\x1b[');
  });

  it('FORCE_COLOR colours a pipe (a CI log that shows colour)', async () => {
    const run = await validateBroken({ FORCE_COLOR: '1', CI: 'true' }, false);
    expect(run.stdout).toContain(`${RED_BOLD_ERROR} PROTOCOL_MISMATCH`);
    expect(run.stderr).toBe(''); // colour, but still no progress in CI
  });

  it('a usage error on a terminal starts with a red "signet:"; --json output is never coloured', async () => {
    const run = await runCli(['keys', 'inspect', 'nope.asc'], { cwd: dir, tty: { columns: 100 } });
    expect(run.code).toBe(2);
    expect(run.stderr.startsWith(`\x1b[1m\x1b[31msignet:\x1b[39m\x1b[22m Cannot read FILE "nope.asc"`)).toBe(true);
    const json = await runCli(['validate', release.project.distDir, '--protocols', '5.0', '--json'], {
      cwd: dir,
      env: { FORCE_COLOR: '1' },
      tty: { columns: 100 },
    });
    expect(json.code).toBe(1);
    expect(json.stdout).not.toContain('\x1b[');
    expect(json.json.problems.map((p: { code: string }) => p.code)).toContain('PROTOCOL_MISMATCH');
  });
});
