// Acceptance of issue 10, accessibility, in real headless Chromium against `pnpm desktop:web`:
//   - axe (@axe-core/playwright) on every area (Keys, Releases, Registries, Local registry, stopped and running)
//     and with each dialog open reports no serious or critical violation;
//   - every control of design.md §5.4 is reachable by keyboard: Tab is pressed until focus comes round again,
//     and the role + name of each focused element (Playwright's own accessible-name computation) is recorded;
//     each control §5.4 names must be among them. Disabled controls cannot take focus, so each is checked in
//     the state that enables it (Publish once signed, Restore once deprecated).
// The state is made through the HTTP API (keys, a release of stand-in binaries, a remote registry entry), so
// this suite needs neither Go nor terraform.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import AxeBuilder from '@axe-core/playwright';
import { DEFAULT_PLATFORMS } from '@signet/core';
import { createFakeExecutable } from '@signet/core/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { requireChromium, type AppPage, type BrowserModeApp } from '../helpers/browser';
import {
  button,
  dialog,
  goToArea,
  keyRow,
  openDesktopSession,
  problemsRegion,
  type Area,
  type DesktopSession,
} from '../helpers/desktop-ui';

const chromium = requireChromium();
const PASSPHRASE = 'a11y passphrase';

let session: DesktopSession | undefined;
let app: BrowserModeApp;
let ui: AppPage;
let keyId = '';
let releaseId = '';

/** The serious and critical axe violations on the page as it is, each with the nodes it names. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  // axe did look: a page it could not read would pass nothing either.
  if (results.passes.length < 10) throw new Error(`axe passed only ${results.passes.length} rules`);
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Presses Tab from the top of the page (or of the open dialog) until focus returns to the first element it
 * reached, and returns each stop as `role "name"` (from the focused element's ARIA snapshot).
 */
async function tabStops(page: Page, limit = 200): Promise<string[]> {
  await page.evaluate(RESET_FOCUS);
  const stops: string[] = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const state = await page.evaluate<'none' | 'again' | 'new'>(FOCUS_STATE);
    if (state === 'again') return stops;
    if (state === 'none') continue;
    const snapshot = await page.locator(':focus').ariaSnapshot({ timeout: 2000 });
    const match = /^- ([a-z]+)(?: "((?:[^"\\]|\\.)*)")?/.exec(snapshot.split('\n')[0] ?? '');
    stops.push(match ? `${match[1]} "${match[2] ?? ''}"` : snapshot);
  }
  throw new Error(`Focus did not come round in ${limit} Tab presses: ${stops.join(', ')}`);
}

// Run in the page (strings: this file is type-checked without the DOM library).
const RESET_FOCUS = `(() => { document.activeElement?.blur(); window.__firstStop = null; })()`;
const FOCUS_STATE = `(() => {
  const active = document.activeElement;
  if (active === null || active === document.body) return 'none';
  if (window.__firstStop === active) return 'again';
  window.__firstStop ??= active;
  return 'new';
})()`;

/** The controls of `required` that Tab never reached. */
async function unreachable(page: Page, required: string[]): Promise<string[]> {
  const stops = await tabStops(page);
  return required.filter((control) => !stops.includes(control));
}

const NAV = ['link "Keys"', 'link "Releases"', 'link "Registries"', 'link "Local registry"'];

async function openArea(area: Area): Promise<void> {
  await goToArea(ui.page, area);
  await ui.page.waitForLoadState('networkidle');
}

async function closeDialog(name: string): Promise<void> {
  await ui.page.keyboard.press('Escape');
  await dialog(ui.page, name).waitFor({ state: 'hidden' });
}

/** A key, a packaged release of stand-in binaries and a remote registry entry, made through the app's API. */
async function makeState(app: BrowserModeApp, work: string): Promise<void> {
  const key = await app.call('keysGenerate', {
    name: 'Acme A11y',
    email: 'a11y@acme.example',
    expires: '2y',
    passphrase: PASSPHRASE,
    confirmPassphrase: PASSPHRASE,
    algorithm: 'ed25519',
  });
  keyId = key.keyId;
  const input = join(work, 'bin');
  for (const [index, platform] of DEFAULT_PLATFORMS.entries()) {
    await mkdir(join(input, platform), { recursive: true });
    const file = `terraform-provider-hello_v1.0.0${platform.startsWith('windows') ? '.exe' : ''}`;
    await writeFile(join(input, platform, file), createFakeExecutable(platform, 4096, index), { mode: 0o755 });
  }
  const release = await app.call('releasesCreate', {
    namespace: 'acme',
    provider: 'hello',
    version: '1.0.0',
    protocols: ['6.0'],
    keyId,
    registryId: 'local',
    inputFolder: input,
  });
  releaseId = release.id;
  await app.call('releasesPackage', { releaseId });
  await app.call('registriesAdd', { url: 'https://registry.example.invalid/', allowPlainToken: false });
}

describe.skipIf(!chromium)(
  `the desktop's accessibility in Chromium${chromium ? '' : ' — SKIPPED: chromium missing'}`,
  () => {
    beforeAll(async () => {
      session = await openDesktopSession('signet-desktop-a11y-', { beforeOpen: makeState });
      ({ app, ui } = session);
    }, 180_000);

    afterAll(async () => {
      await session?.close();
    });

    it('Keys: no serious axe violation, with its dialogs open too; every §5.4 control is reachable by Tab', async () => {
      await openArea('Keys');
      await keyRow(ui.page, keyId).waitFor();
      expect(await seriousViolations(ui.page)).toEqual([]);
      expect(
        await unreachable(ui.page, [
          ...NAV,
          'button "Generate key"',
          'button "Import key"',
          'button "Copy public key"',
          'button "Save public key"',
          'button "Back up private key"',
          'button "Change expiry"',
          'button "Revoke"',
          'button "Delete"',
        ]),
      ).toEqual([]);

      await button(ui.page, 'Generate key').click();
      await dialog(ui.page, 'Generate key').waitFor();
      expect(await seriousViolations(ui.page)).toEqual([]);
      expect(
        await unreachable(ui.page, [
          'textbox "Name"',
          'textbox "Email"',
          'textbox "Expires"',
          'combobox "Algorithm"',
          'textbox "Passphrase"',
          'textbox "Confirm passphrase"',
          'button "Generate"',
        ]),
      ).toEqual([]);
      await closeDialog('Generate key');

      await button(ui.page, 'Import key').click();
      await dialog(ui.page, 'Import key').waitFor();
      expect(await seriousViolations(ui.page)).toEqual([]);
      expect(
        await unreachable(ui.page, ['textbox "Key"', 'button "Key file"', 'textbox "Passphrase"', 'button "Import"']),
      ).toEqual([]);
      await closeDialog('Import key');

      for (const [action, title, controls] of [
        ['Delete', 'Delete key', ['textbox "Key ID"']],
        ['Change expiry', 'Change expiry', ['textbox "Expires"', 'textbox "Passphrase"']],
        ['Back up private key', 'Back up private key', ['textbox "File path"']],
        ['Save public key', 'Save public key', ['textbox "File path"']],
        ['Revoke', 'Revoke key', []],
      ] as const) {
        await button(keyRow(ui.page, keyId), action).click();
        await dialog(ui.page, title).waitFor();
        expect(await seriousViolations(ui.page), title).toEqual([]);
        expect(await unreachable(ui.page, [...controls]), title).toEqual([]);
        await closeDialog(title);
      }
    });

    it('Releases: no serious axe violation (list, New release, a release with problems, Sign, Deprecate); every control reachable', async () => {
      await openArea('Releases');
      expect(await seriousViolations(ui.page)).toEqual([]);
      expect(await unreachable(ui.page, [...NAV, 'button "New release"', 'textbox "Release folder"'])).toEqual([]);

      await button(ui.page, 'New release').click();
      await dialog(ui.page, 'New release').waitFor();
      expect(await seriousViolations(ui.page)).toEqual([]);
      expect(
        await unreachable(ui.page, [
          'textbox "Namespace"',
          'textbox "Provider"',
          'textbox "Version"',
          'checkbox "5.0"',
          'checkbox "6.0"',
          'combobox "Signing key"',
          'combobox "Registry"',
          'textbox "Input folder"',
        ]),
      ).toEqual([]);
      await closeDialog('New release');

      // The packaged, unsigned release: Problems lists the missing .sig; Publish is disabled (cannot take focus).
      await button(ui.page.getByRole('row').filter({ hasText: 'acme/hello' }), 'Open').click();
      await problemsRegion(ui.page).getByText('FILE_MISSING', { exact: true }).waitFor();
      expect(await button(ui.page, 'Publish').isDisabled()).toBe(true);
      expect(await seriousViolations(ui.page)).toEqual([]);
      expect(await unreachable(ui.page, ['button "Package"', 'button "Sign"'])).toEqual([]);

      await button(ui.page, 'Sign').click();
      const signing = ui.page.getByRole('dialog').filter({ has: ui.page.getByLabel('Passphrase', { exact: true }) });
      await signing.waitFor();
      expect(await seriousViolations(ui.page)).toEqual([]);
      expect(await unreachable(ui.page, ['textbox "Passphrase"', 'button "Sign"'])).toEqual([]);
      await ui.page.keyboard.press('Escape');
      await signing.waitFor({ state: 'hidden' });

      await app.call('releasesSign', { releaseId, passphrase: PASSPHRASE });
      await problemsRegion(ui.page).getByText('No problems', { exact: true }).waitFor();
      expect(await seriousViolations(ui.page)).toEqual([]);
      expect(await unreachable(ui.page, ['button "Publish"'])).toEqual([]);

      await app.call('localStart', {});
      await app.call('releasesPublish', { releaseId });
      await ui.page.getByText('Published', { exact: true }).waitFor();
      expect(await seriousViolations(ui.page)).toEqual([]);
      expect(await unreachable(ui.page, ['button "Deprecate"', 'button "Yank"'])).toEqual([]);

      await button(ui.page, 'Deprecate').click();
      const deprecate = ui.page.getByRole('dialog').filter({ has: ui.page.getByRole('textbox', { name: 'Message' }) });
      await deprecate.waitFor();
      expect(await seriousViolations(ui.page)).toEqual([]);
      expect(await unreachable(ui.page, ['textbox "Message"', 'button "Deprecate"'])).toEqual([]);
      await ui.page.getByRole('textbox', { name: 'Message', exact: true }).fill('Use 1.1.0.');
      await button(deprecate, 'Deprecate').click();
      await deprecate.waitFor({ state: 'hidden' });
      await ui.page.getByText('Deprecated', { exact: true }).waitFor();
      expect(await unreachable(ui.page, ['button "Restore"', 'button "Yank"'])).toEqual([]);
    });

    it('Registries: no serious axe violation, with Add registry open; every control reachable', async () => {
      await openArea('Registries');
      await ui.page.getByText('registry.example.invalid').first().waitFor();
      expect(await seriousViolations(ui.page)).toEqual([]);
      const stops = await tabStops(ui.page);
      for (const control of [...NAV, 'button "Add registry"', 'button "Test connection"', 'button "Remove"']) {
        expect(stops).toContain(control);
      }
      // One Test connection per row: Local and the remote one.
      expect(stops.filter((s) => s === 'button "Test connection"')).toHaveLength(2);
      expect(await ui.page.getByRole('cell', { name: 'Local', exact: false }).count()).toBeGreaterThan(0);

      await button(ui.page, 'Add registry').click();
      await dialog(ui.page, 'Add registry').waitFor();
      expect(await seriousViolations(ui.page)).toEqual([]);
      expect(
        await unreachable(ui.page, ['textbox "URL"', 'textbox "Token"', 'textbox "CA file"', 'button "Save"']),
      ).toEqual([]);
      await closeDialog('Add registry');
    });

    it('Local registry, stopped and running: no serious axe violation; every control reachable', async () => {
      await app.call('localStop', {});
      await openArea('Local registry');
      await button(ui.page, 'Start registry').waitFor();
      expect(await seriousViolations(ui.page)).toEqual([]);
      expect(
        await unreachable(ui.page, [
          ...NAV,
          'button "Start registry"',
          'textbox "Mirror folder"',
          'button "Export mirror"',
        ]),
      ).toEqual([]);

      await button(ui.page, 'Start registry').click();
      await button(ui.page, 'Stop registry').waitFor({ timeout: 60_000 });
      await ui.page.getByText(/^Running at https:\/\/localhost:\d+$/).waitFor();
      expect(await seriousViolations(ui.page)).toEqual([]);
      const stops = await tabStops(ui.page);
      expect(stops).toContain('button "Stop registry"');
      // One Copy per code block: Source address, CLI configuration, Environment.
      expect(stops.filter((s) => s === 'button "Copy"')).toHaveLength(3);
      for (const block of ['Source address', 'CLI configuration', 'Environment']) {
        await button(ui.page.getByRole('region', { name: block, exact: true }), 'Copy').waitFor();
      }
    });
  },
);
