import { describe, expect, it } from 'vitest';

import { findCallerFolder } from './caller-folder';

// The environment pnpm 10 gives `pnpm signet …` run from /repo/examples/hello (values as observed).
const PNPM_SCRIPT = {
  INIT_CWD: '/repo/examples/hello',
  npm_lifecycle_event: 'signet',
  npm_package_json: '/repo/package.json',
};

describe('findCallerFolder', () => {
  it('is the folder `pnpm signet` was typed in, not the repository root pnpm runs the script from', () => {
    expect(findCallerFolder('/repo', PNPM_SCRIPT)).toBe('/repo/examples/hello');
  });

  it('is the working folder when signet is run directly, even with an INIT_CWD inherited from elsewhere', () => {
    expect(findCallerFolder('/work/infra', {})).toBe('/work/infra');
    expect(findCallerFolder('/work/infra', { ...PNPM_SCRIPT, npm_lifecycle_event: 'release' })).toBe('/work/infra');
  });

  it('is the working folder when a script named signet changed folder before starting it', () => {
    expect(findCallerFolder('/repo/infra', PNPM_SCRIPT)).toBe('/repo/infra');
  });
});
