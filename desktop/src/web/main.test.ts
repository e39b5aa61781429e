import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { defaultDataDir } from './data-dir';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

describe('pnpm desktop:web', () => {
  it('refuses --host in one line: it listens on 127.0.0.1 only', () => {
    const run = spawnSync(TSX, [MAIN, '--host', '0.0.0.0'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^desktop:web: --host is refused: browser mode listens on 127\.0\.0\.1 only/);
  });

  it('refuses a port that is not one', () => {
    const run = spawnSync(TSX, [MAIN, '--port', '70000'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--port "70000" is not a port');
  });

  it('defaults to the data folder Electron uses on Linux', () => {
    expect(defaultDataDir({}, '/home/ada')).toBe('/home/ada/.config/Signet');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/xdg' }, '/home/ada')).toBe('/xdg/Signet');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '' }, '/home/ada')).toBe('/home/ada/.config/Signet');
  });
});
