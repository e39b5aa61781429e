// `pnpm desktop:screenshots`: one PNG per area of the app (desktop/docs/keys.png, releases.png, registries.png,
// local-registry.png) at 1280×800, taken in headless Chromium (/usr/bin/chromium) from browser mode as a user
// runs it (`pnpm desktop:web` on a fresh data folder), after making a little realistic state through its HTTP
// API: an RSA 4096 key and an imported v6 key (Incompatible, with its reason), the local registry running with
// acme/hello 1.0.0 published, a draft 1.1.0 packaged but not signed (so Problems lists the missing .sig), and a
// remote registry entry. The README shows these files.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as openpgp from 'openpgp';

import { DEFAULT_PLATFORMS } from '@signet/core';
import { createFakeExecutable } from '@signet/core/testing';

import { launchChromium, openApp, startBrowserMode } from '../../test/helpers/browser';
import { button, goToArea, problemsRegion, type Area } from '../../test/helpers/desktop-ui';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
const PASSPHRASE = 'screenshots passphrase (not a secret)';

/** Stand-in executables for the 13 platforms in the seed layout (real headers per platform, small). */
async function writeBinaries(dir: string, version: string): Promise<void> {
  for (const [index, platform] of DEFAULT_PLATFORMS.entries()) {
    await mkdir(join(dir, platform), { recursive: true });
    const name = `terraform-provider-hello_v${version}${platform.startsWith('windows') ? '.exe' : ''}`;
    await writeFile(join(dir, platform, name), createFakeExecutable(platform, 256 * 1024, index), { mode: 0o755 });
  }
}

async function main(): Promise<void> {
  // A fixed, readable folder: its path shows in the pictures.
  const work = join(tmpdir(), 'signet-screenshots');
  await rm(work, { recursive: true, force: true });
  await mkdir(DOCS, { recursive: true });
  const app = await startBrowserMode({ dataDir: join(work, 'data') });
  const browser = await launchChromium();
  try {
    const key = await app.call('keysGenerate', {
      name: 'Acme Releases',
      email: 'releases@acme.example',
      expires: '2y',
      passphrase: PASSPHRASE,
      confirmPassphrase: PASSPHRASE,
      algorithm: 'rsa4096',
    });
    const v6 = await openpgp.generateKey({
      type: 'curve25519',
      userIDs: [{ name: 'Acme Newer Key', email: 'newer@acme.example' }],
      format: 'armored',
      config: { v6Keys: true },
    });
    await app.call('keysImport', { key: v6.publicKey });
    await app.call('localStart', {});
    await app.call('registriesAdd', { url: 'https://registry.acme.example/', allowPlainToken: false });

    const create = async (version: string) => {
      const input = join(work, 'src', `v${version}`);
      await writeBinaries(input, version);
      return app.call('releasesCreate', {
        namespace: 'acme',
        provider: 'hello',
        version,
        protocols: ['6.0'],
        keyId: key.keyId,
        registryId: 'local',
        inputFolder: input,
      });
    };
    const published = await create('1.0.0');
    await app.call('releasesPackage', { releaseId: published.id });
    await app.call('releasesSign', { releaseId: published.id, passphrase: PASSPHRASE });
    await app.call('releasesPublish', { releaseId: published.id });
    const draft = await create('1.1.0');
    await app.call('releasesPackage', { releaseId: draft.id });

    const ui = await openApp(browser, app);
    const shoot = async (area: Area, file: string, prepare?: () => Promise<void>) => {
      await goToArea(ui.page, area);
      await prepare?.();
      await ui.page.waitForLoadState('networkidle');
      // Focus rings and the caret are not part of the picture.
      await ui.page.evaluate('document.activeElement?.blur()');
      await ui.page.screenshot({ path: join(DOCS, file), animations: 'disabled', caret: 'hide' });
      console.log(`wrote ${join(DOCS, file)}`);
    };
    await shoot('Keys', 'keys.png', async () => {
      await ui.page.getByText('Incompatible', { exact: true }).waitFor();
    });
    await shoot('Releases', 'releases.png', async () => {
      const row = ui.page.getByRole('row').filter({ hasText: '1.1.0' });
      await button(row, 'Open').click();
      await problemsRegion(ui.page).getByText('FILE_MISSING', { exact: true }).waitFor();
    });
    await shoot('Registries', 'registries.png', async () => {
      await ui.page
        .getByText(/registry\.acme\.example/)
        .first()
        .waitFor();
    });
    await shoot('Local registry', 'local-registry.png', async () => {
      await ui.page.getByText(/^Running at https:\/\/localhost:\d+$/).waitFor();
    });
    await ui.close();
  } finally {
    await browser.close();
    await app.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
