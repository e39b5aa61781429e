// DATA/settings.json: what the app remembers across restarts (releases, remote registries, the local registry's
// port). No secret is ever in it: tokens and passphrases live in the secret store. Writes are queued and atomic,
// so two handlers saving at once never lose each other's change.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { z } from 'zod';

import { DesktopError } from '../shared/errors';
import { writeFileAtomic } from './atomic-file';

const StoredRelease = z.object({
  id: z.string(),
  namespace: z.string(),
  provider: z.string(),
  version: z.string(),
  protocols: z.array(z.string()),
  keyId: z.string().nullable(),
  registryId: z.string(),
  inputFolder: z.string().nullable(),
  releaseFolder: z.string(),
  status: z.enum(['draft', 'published', 'deprecated', 'yanked']),
  deprecationMessage: z.string().nullable(),
});
export type StoredRelease = z.infer<typeof StoredRelease>;

const StoredRegistry = z.object({
  id: z.string(),
  url: z.string(),
  caFile: z.string().nullable(),
});
export type StoredRegistry = z.infer<typeof StoredRegistry>;

const Settings = z.object({
  releases: z.array(StoredRelease).default([]),
  registries: z.array(StoredRegistry).default([]),
  localPort: z.number().int().min(0).max(65535).nullable().default(null),
});
export type Settings = z.infer<typeof Settings>;

export interface SettingsFile {
  read(): Promise<Settings>;
  /** Applies `change` to the current settings and saves them; changes run one at a time. */
  update<T>(change: (settings: Settings) => T): Promise<T>;
}

export function openSettingsFile(dataDir: string): SettingsFile {
  const path = join(dataDir, 'settings.json');
  let queue: Promise<unknown> = Promise.resolve();
  const read = async (): Promise<Settings> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return Settings.parse({});
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = Settings.safeParse(json);
    if (!parsed.success) {
      const why = json === undefined ? 'not JSON' : (parsed.error.issues[0]?.message ?? 'bad shape');
      throw new DesktopError('INTERNAL', `${path} is not a Signet settings file (${why}); move it away and restart.`);
    }
    return parsed.data;
  };
  return {
    read: () => queue.then(read),
    update<T>(change: (settings: Settings) => T): Promise<T> {
      const next = queue.then(async () => {
        const settings = await read();
        const result = change(settings);
        await writeFileAtomic(path, `${JSON.stringify(settings, null, 2)}\n`);
        return result;
      });
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
