// The lint rule of design.md §5.4: only desktop/src/main and desktop/src/preload may import `electron`. Run
// through ESLint's Node API with the repository's own eslint.config.js.
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
// The probes are not files of any tsconfig, so they are linted without type information; the rule under test
// needs none.
const eslint = new ESLint({
  cwd: root,
  overrideConfig: [{ files: ['**/lint-probe.*'], ...tseslint.configs.disableTypeChecked }],
});

async function electronImportErrors(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, file) });
  const fatal = result?.messages.find((message) => message.fatal === true);
  if (fatal !== undefined) throw new Error(fatal.message);
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message);
}

const IMPORTS = [
  "import { app } from 'electron';\nexport const name = app.name;\n",
  "import type { IpcMainInvokeEvent } from 'electron';\nexport type E = IpcMainInvokeEvent;\n",
  "export { shell } from 'electron';\n",
  "import { ipcRenderer } from 'electron/renderer';\nexport const r = ipcRenderer;\n",
];

describe('importing electron', () => {
  it.each([
    'desktop/src/services/lint-probe.ts',
    'desktop/src/shared/lint-probe.ts',
    'desktop/src/web/lint-probe.ts',
    'desktop/src/renderer/src/lint-probe.tsx',
    'desktop/scripts/lint-probe.ts',
  ])('is an error in %s', async (file) => {
    for (const code of IMPORTS) {
      expect(await electronImportErrors(code, file), code).toEqual([
        expect.stringContaining('Only desktop/src/main and desktop/src/preload may import electron'),
      ]);
    }
  });

  it.each(['desktop/src/main/lint-probe.ts', 'desktop/src/preload/lint-probe.ts'])('is allowed in %s', async (file) => {
    for (const code of IMPORTS) expect(await electronImportErrors(code, file), code).toEqual([]);
  });
});
