// The desktop's build: `electron-vite build` writes out/main (the main process and the services host that
// runs in a utilityProcess), out/preload/index.cjs (the sandboxed preload) and out/renderer (the UI). It runs
// offline and needs no Electron binary.
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { defaultClientConditions, defaultServerConditions } from 'vite';

const here = import.meta.dirname;
// out/ unless a caller builds elsewhere (the built-output tests do, so a running app's out/ is never rebuilt
// under it).
const out = process.env.SIGNET_DESKTOP_OUT_DIR ?? resolve(here, 'out');

// Electron 45 ships Node 24 (electron-vite's own table stops at 44).
const nodeTarget = 'node24';

// The workspace packages (@signet/*) are TypeScript source: bundle them, resolved by their `source` export.
// Third-party packages the desktop lists in its package.json stay external (node_modules, which
// electron-builder ships); those only the libraries depend on are bundled. node-sqlite3-wasm must stay
// external: it reads its .wasm next to its own file, and the registry loads it with a run-time require.
const workspacePackages = ['@signet/api', '@signet/client', '@signet/core', '@signet/registry'];
const nodeConditions = ['source', ...defaultServerConditions];

export default defineConfig({
  main: {
    resolve: { conditions: nodeConditions },
    ssr: { resolve: { conditions: nodeConditions, externalConditions: ['node'] } },
    build: {
      target: nodeTarget,
      outDir: resolve(out, 'main'),
      externalizeDeps: { exclude: workspacePackages },
      rolldownOptions: {
        input: {
          index: resolve(here, 'src/main/index.ts'),
          'services-host': resolve(here, 'src/main/services-host.ts'),
        },
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
  },
  preload: {
    // A sandboxed preload can require only `electron`: everything else (the contract, zod) is bundled into
    // one CommonJS file.
    resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
    ssr: { resolve: { conditions: ['source', 'module', 'browser', 'development|production'] } },
    build: {
      target: nodeTarget,
      outDir: resolve(out, 'preload'),
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(here, 'src/preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(here, 'src/renderer'),
    resolve: { conditions: ['source', ...defaultClientConditions] },
    plugins: [react()],
    build: {
      outDir: resolve(out, 'renderer'),
      // electron-vite leaves the renderer unminified; browser mode serves it over HTTP, so minify (828 → ~350 kB).
      minify: true,
      rolldownOptions: { input: resolve(here, 'src/renderer/index.html') },
    },
  },
});
