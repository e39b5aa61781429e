// The desktop app in real headless Chromium (/usr/bin/chromium through playwright-core), on browser mode
// (browser-mode.ts), with a recorder of every /api/* response body the page gets, for the suites that check no
// secret ever reaches the renderer.
import { existsSync } from 'node:fs';

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

import type { BrowserModeApp } from './browser-mode';
import { hasCommand } from './tools';

export * from './browser-mode';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** True when Chromium is installed where the suites expect it. */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM) || hasCommand('chromium');
}

/** Says loudly once that a suite is skipped for want of Chromium (the title says it too). */
export function requireChromium(): boolean {
  const present = hasChromium();
  if (!present) {
    console.warn(`\n*** SKIPPED: ${CHROMIUM} is missing; the desktop's browser tests did not run. ***\n`);
  }
  return present;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** One recorded response of the page's /api/* traffic. */
export interface RecordedResponse {
  url: string;
  status: number;
  body: string;
}

/** A Chromium page on the app, with every /api/* response body recorded. */
export interface AppPage {
  context: BrowserContext;
  page: Page;
  responses: RecordedResponse[];
  /** Errors the page threw or logged (a failed CSP check shows here). */
  pageErrors: string[];
  /** Waits for the bodies of responses still being read. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the app's URL in a fresh context (1280×800) and records its /api/* responses. */
export async function openApp(browser: Browser, app: BrowserModeApp): Promise<AppPage> {
  // The clipboard permissions a user's browser grants a focused page on a click, so Copy buttons can be checked.
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    acceptDownloads: false,
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const responses: RecordedResponse[] = [];
  const pending = new Set<Promise<void>>();
  const pageErrors: string[] = [];
  page.on('response', (response) => {
    if (!new URL(response.url()).pathname.startsWith('/api/')) return;
    const read = response
      .text()
      .then((body) => void responses.push({ url: response.url(), status: response.status(), body }))
      .catch((error: unknown) => void pageErrors.push(`unreadable body of ${response.url()}: ${String(error)}`))
      .finally(() => pending.delete(read));
    pending.add(read);
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(app.url);
  return {
    context,
    page,
    responses,
    pageErrors,
    async settle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    close: () => context.close(),
  };
}

/** Where each secret occurs in `texts` (named by `label(i)`), by the secret's name (never its value). */
export function findSecrets(
  texts: readonly string[],
  secrets: Record<string, string>,
  label: (index: number) => string,
): string[] {
  const found: string[] = [];
  texts.forEach((text, index) => {
    for (const [name, secret] of Object.entries(secrets)) {
      if (secret.length > 0 && text.includes(secret)) found.push(`${label(index)} contains ${name}`);
    }
  });
  return found;
}
