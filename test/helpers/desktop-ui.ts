// The desktop UI as a user works it, by the accessible names of design.md §5.4 only (role + name): the areas'
// links in the navigation landmark, the dialogs' textboxes and choices, the Keys table, the Problems region, the
// Local registry's code blocks. Password fields have no ARIA role (HTML maps <input type=password> to none), so
// `Passphrase` and `Confirm passphrase` are found by their label, which is the same accessible name. Dialogs
// whose submit button §5.4 does not name are submitted with Enter, as a keyboard user does. No test runner here
// (the screenshot script uses it too): waits are the locators' own, failures are thrown Errors.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Locator, Page } from 'playwright-core';

import { launchChromium, openApp, startBrowserMode, type AppPage, type BrowserModeApp } from './browser';

export type Area = 'Keys' | 'Releases' | 'Registries' | 'Local registry';

/** Calls `probe` until it returns a value other than undefined, or throws `what` after `timeout` ms. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeout = 30_000): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeout} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A browser-mode app on a fresh temp folder with a Chromium page open on it: what each desktop suite runs. */
export interface DesktopSession {
  /** The temp folder; the app's data folder is `data` inside it. */
  work: string;
  app: BrowserModeApp;
  ui: AppPage;
  /** Closes the page, Chromium and the app, and removes `work`. */
  close(): Promise<void>;
}

export interface DesktopSessionOptions {
  /** Makes state through the app's API before the page opens, so that its first load shows it. */
  beforeOpen?: (app: BrowserModeApp, work: string) => Promise<void>;
}

/**
 * Starts browser mode (on `<tmp>/<prefix>…/data`) and Chromium side by side, then opens the app's page. When a
 * step fails, what had started is closed before the error is thrown: a suite's afterAll has no session to close.
 */
export async function openDesktopSession(prefix: string, options: DesktopSessionOptions = {}): Promise<DesktopSession> {
  const work = await mkdtemp(join(tmpdir(), prefix));
  const [app, browser] = await Promise.allSettled([
    startBrowserMode({ dataDir: join(work, 'data') }),
    launchChromium(),
  ]);
  let ui: AppPage | undefined;
  const close = async () => {
    await ui?.close();
    if (browser.status === 'fulfilled') await browser.value.close();
    if (app.status === 'fulfilled') await app.value.stop();
    await rm(work, { recursive: true, force: true });
  };
  try {
    if (app.status === 'rejected') throw app.reason;
    if (browser.status === 'rejected') throw browser.reason;
    await options.beforeOpen?.(app.value, work);
    ui = await openApp(browser.value, app.value);
    return { work, app: app.value, ui, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The 16-hex key ID in a text, if any. */
const KEY_ID = /\b[0-9A-F]{16}\b/;

/** Follows an area's link in the navigation landmark and waits for its heading. */
export async function goToArea(page: Page, area: Area): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name: area, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: area, exact: true }).waitFor();
}

export function button(scope: Page | Locator, name: string): Locator {
  return scope.getByRole('button', { name, exact: true });
}

export function textbox(scope: Page | Locator, name: string): Locator {
  return scope.getByRole('textbox', { name, exact: true });
}

/** A password field by its accessible name (its label); see the file comment. */
export function passwordField(scope: Page | Locator, name: string): Locator {
  return scope.getByLabel(name, { exact: true });
}

export function dialog(page: Page, name: string): Locator {
  return page.getByRole('dialog', { name, exact: true });
}

export function keysTable(page: Page): Locator {
  return page.getByRole('table', { name: 'Keys', exact: true });
}

/** The Keys table's row of a key ID. */
export function keyRow(page: Page, keyId: string): Locator {
  return keysTable(page).getByRole('row').filter({ hasText: keyId });
}

/** The key IDs the Keys table lists now. */
export async function listedKeyIds(page: Page): Promise<string[]> {
  const rows = await keysTable(page).getByRole('row').allInnerTexts();
  return rows.flatMap((text) => KEY_ID.exec(text)?.[0] ?? []);
}

export function problemsRegion(page: Page): Locator {
  return page.getByRole('region', { name: 'Problems', exact: true });
}

/** The text of one of the Local registry's code blocks (`Source address`, `CLI configuration`, `Environment`). */
export async function codeBlock(page: Page, name: string): Promise<string> {
  const region = page.getByRole('region', { name, exact: true });
  await button(region, 'Copy').waitFor();
  return region.locator('pre').innerText();
}

export interface GenerateKeyInput {
  name: string;
  email: string;
  expires?: string;
  passphrase: string;
  /** The Algorithm choice's option label; the default (RSA 4096) is left as it is when absent. */
  algorithm?: 'RSA 4096' | 'Ed25519';
}

/** Keys → Generate key → the dialog filled and submitted; returns the new row's key ID. */
export async function generateKeyInUi(page: Page, input: GenerateKeyInput): Promise<string> {
  await goToArea(page, 'Keys');
  const before = new Set(await listedKeyIds(page));
  await button(page, 'Generate key').click();
  const generate = dialog(page, 'Generate key');
  await textbox(generate, 'Name').fill(input.name);
  await textbox(generate, 'Email').fill(input.email);
  await textbox(generate, 'Expires').fill(input.expires ?? '2y');
  if (input.algorithm !== undefined) {
    await generate.getByRole('combobox', { name: 'Algorithm', exact: true }).selectOption({ label: input.algorithm });
  } else {
    const chosen = generate.getByRole('combobox', { name: 'Algorithm', exact: true }).locator('option:checked');
    if ((await chosen.innerText()) !== 'RSA 4096') throw new Error('The Algorithm choice does not default to RSA 4096');
  }
  await passwordField(generate, 'Passphrase').fill(input.passphrase);
  await passwordField(generate, 'Confirm passphrase').fill(input.passphrase);
  await button(generate, 'Generate').click();
  // RSA 4096 takes seconds (longer on a loaded machine).
  await generate.waitFor({ state: 'hidden', timeout: 120_000 });
  return newKeyId(page, before);
}

/** Keys → Import key → the armored key pasted into `Key` (and its passphrase); returns the row's key ID. */
export async function importKeyInUi(page: Page, armored: string, passphrase?: string): Promise<string> {
  await goToArea(page, 'Keys');
  const before = new Set(await listedKeyIds(page));
  await button(page, 'Import key').click();
  const importing = dialog(page, 'Import key');
  await textbox(importing, 'Key').fill(armored);
  if (passphrase !== undefined) await passwordField(importing, 'Passphrase').fill(passphrase);
  await button(importing, 'Import').click();
  await importing.waitFor({ state: 'hidden', timeout: 60_000 });
  return newKeyId(page, before);
}

function newKeyId(page: Page, before: Set<string>): Promise<string> {
  return until('one new row in the Keys table', async () => {
    const added = (await listedKeyIds(page)).filter((id) => !before.has(id));
    return added.length === 1 ? added[0] : undefined;
  });
}

export interface LocalRegistryUi {
  /** `https://localhost:PORT` from the status text. */
  url: string;
  port: number;
  sourceAddress: string;
  cliConfiguration: string;
  environment: string;
}

/** Local registry → Start registry (when stopped); returns what the status text and the code blocks say. */
export async function startLocalRegistryInUi(page: Page): Promise<LocalRegistryUi> {
  await goToArea(page, 'Local registry');
  const start = button(page, 'Start registry');
  const stop = button(page, 'Stop registry');
  await start.or(stop).waitFor();
  if (await start.isVisible()) await start.click();
  await stop.waitFor({ timeout: 60_000 });
  const status = page.getByText(/^Running at https:\/\/localhost:\d+$/);
  await status.waitFor();
  const url = /https:\/\/localhost:\d+/.exec(await status.innerText())![0];
  return {
    url,
    port: Number(new URL(url).port),
    sourceAddress: (await codeBlock(page, 'Source address')).trim(),
    cliConfiguration: await codeBlock(page, 'CLI configuration'),
    environment: await codeBlock(page, 'Environment'),
  };
}

export interface NewReleaseInput {
  namespace: string;
  provider: string;
  version: string;
  protocols: ('5.0' | '6.0')[];
  keyId: string;
  /** The Registry choice's option label (its name, e.g. `Local`). */
  registry?: string;
  inputFolder: string;
}

/** Releases → New release → the form filled, submitted with Enter; waits for the release's Package button. */
export async function newReleaseInUi(page: Page, input: NewReleaseInput): Promise<void> {
  await goToArea(page, 'Releases');
  await button(page, 'New release').click();
  const form = page.getByRole('dialog').filter({ has: textbox(page, 'Input folder') });
  await textbox(form, 'Namespace').fill(input.namespace);
  await textbox(form, 'Provider').fill(input.provider);
  await textbox(form, 'Version').fill(input.version);
  const protocols = form.getByRole('group', { name: 'Protocols', exact: true });
  for (const protocol of ['5.0', '6.0'] as const) {
    await protocols
      .getByRole('checkbox', { name: protocol, exact: true })
      .setChecked(input.protocols.includes(protocol));
  }
  const key = form.getByRole('combobox', { name: 'Signing key', exact: true });
  const keyOption = await key.locator('option').filter({ hasText: input.keyId }).getAttribute('value');
  await key.selectOption(keyOption);
  const registry = form.getByRole('combobox', { name: 'Registry', exact: true });
  const registryOption = await registry
    .locator('option')
    .filter({ hasText: new RegExp(`^${input.registry ?? 'Local'}\\b`) })
    .first()
    .getAttribute('value');
  await registry.selectOption(registryOption);
  await textbox(form, 'Input folder').fill(input.inputFolder);
  await textbox(form, 'Input folder').press('Enter');
  await form.waitFor({ state: 'hidden', timeout: 60_000 });
  await button(page, 'Package').waitFor();
}

/** Package → waits until Problems lists one FILE_MISSING, for `sums`'s .sig: the release then only lacks Sign. */
export async function packageInUi(page: Page, sums: string): Promise<void> {
  await button(page, 'Package').click();
  const problems = problemsRegion(page);
  // Before Package, every file is missing; after it, only the signature.
  await until(
    'Problems to list FILE_MISSING for the .sig only',
    async () =>
      (await problems.getByText('FILE_MISSING', { exact: true }).count()) === 1 &&
      (await problems.getByText(`${sums}.sig`, { exact: true }).count()) === 1
        ? true
        : undefined,
    120_000,
  );
}

/** Sign → the dialog that asks `Passphrase` → its `Sign` button. Returns the dialog (still open on an error). */
export async function signInUi(page: Page, passphrase: string): Promise<Locator> {
  await button(page, 'Sign').click();
  const signing = page.getByRole('dialog').filter({ has: passwordField(page, 'Passphrase') });
  await signing.waitFor();
  await passwordField(signing, 'Passphrase').fill(passphrase);
  await button(signing, 'Sign').click();
  return signing;
}
