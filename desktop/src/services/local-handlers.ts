// The Local registry area's channels: start, stop, status, and Export mirror (the registry's own mirror export,
// read from the running registry's stores, or from its data folder while it is stopped).
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';

import { exportMirror, storeMirrorSource } from '@signet/registry';
import { openLocalRegistryData } from '@signet/registry/local';

import type { ServiceHandlers } from '../shared/api';
import { DesktopError } from '../shared/errors';
import { formatFilesystemMirror } from './local-config';
import type { LocalRegistryService } from './local-registry';
import type { ServiceContext } from './service-context';

type LocalHandlers = Pick<ServiceHandlers, 'localStatus' | 'localStart' | 'localStop' | 'localExportMirror'>;

export function createLocalHandlers(context: ServiceContext, local: LocalRegistryService): LocalHandlers {
  return {
    localStatus: () => local.status(),
    localStart: ({ port }) => local.start(port),
    localStop: () => local.stop(),
    async localExportMirror({ folder }) {
      const outDir = resolve(folder);
      await mkdir(outDir, { recursive: true });
      const running = local.running();
      let result;
      let host: string;
      if (running) {
        host = running.host;
        result = await exportMirror({ source: storeMirrorSource(running.metadata, running.blobs), outDir, host });
      } else {
        const port = (await context.settings.read()).localPort;
        if (port === null) {
          throw new DesktopError(
            'REGISTRY_NOT_RUNNING',
            'The local registry has never run: start it and publish a release first.',
          );
        }
        host = `localhost:${port}`;
        const data = await openLocalRegistryData(local.dataDir);
        try {
          result = await exportMirror({ source: storeMirrorSource(data.metadata, data.blobs), outDir, host });
        } finally {
          await data.close();
        }
      }
      context.log('info', `Exported ${result.versions} version(s) to ${outDir}/${host}.`);
      return {
        folder: outDir,
        files: result.written + result.unchanged,
        filesystemMirror: formatFilesystemMirror(outDir),
      };
    },
  };
}
