// Browser mode's default data folder: the one Electron's app.getPath('userData') gives the desktop app on Linux
// ($XDG_CONFIG_HOME/Signet, else ~/.config/Signet), so both modes see the same keys, releases and registry.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const APP_FOLDER_NAME = 'Signet';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const config =
    env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== ''
      ? resolve(env.XDG_CONFIG_HOME)
      : join(home, '.config');
  return join(config, APP_FOLDER_NAME);
}
