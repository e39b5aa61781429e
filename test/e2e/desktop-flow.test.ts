// Acceptance of issue 10, the golden path, in real headless Chromium against `pnpm desktop:web` and only by the
// accessible names of design.md §5.4: generate a key (the default RSA 4096) → start the local registry → a new
// release from real Go binaries for 13 platforms → Package → FILE_MISSING (the .sig) in Problems → Sign →
// No problems → Publish → Published → real `terraform init` installs it (self-signed, key ID …) with the CLI
// configuration and the `export SSL_CERT_FILE=…` line taken from the UI's code blocks → Deprecate → terraform
// prints the warning → Export mirror → `terraform init` from that filesystem mirror, with the registry stopped.
// Then the secrets check over the whole flow: no /api response the page got and no line the server wrote holds
// a private key block or the passphrase, though the flow backed up the private key (to a file) and copied the
// public key.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { DEFAULT_PLATFORMS } from '@signet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { findSecrets, requireChromium, type AppPage, type BrowserModeApp } from '../helpers/browser';
import {
  button,
  dialog,
  generateKeyInUi,
  goToArea,
  keyRow,
  newReleaseInUi,
  openDesktopSession,
  packageInUi,
  problemsRegion,
  signInUi,
  startLocalRegistryInUi,
  textbox,
  until,
  type DesktopSession,
  type LocalRegistryUi,
} from '../helpers/desktop-ui';
import { goProviders, hasGo, type GoProviders } from '../helpers/go-providers';
import { requireTool } from '../helpers/tools';

const terraform = requireTool('terraform');
const go = requireTool('go') && hasGo();
const chromium = requireChromium();
const missing = [!go && 'go', !terraform && 'terraform', !chromium && 'chromium'].filter(Boolean);
const skipped = missing.length > 0 ? ` — SKIPPED: ${missing.join(', ')} missing` : '';

const PASSPHRASE = 'flow passphrase: correct horse battery staple';
const DEPRECATION = 'Use acme/hello 1.1.0: 1.0.0 mishandles empty tags.';
const SUMS = 'terraform-provider-hello_1.0.0_SHA256SUMS';
/**
 * Chromium logs this for the renderer's <meta> CSP, which repeats `frame-ancestors` (only the HTTP header can
 * carry it, and browser mode sends that header too): noise, not a failure of the page.
 */
const KNOWN_CONSOLE_ERRORS = ["'frame-ancestors' is ignored when delivered via a <meta> element"];

let session: DesktopSession | undefined;
let work: string;
let providers: GoProviders;
let app: BrowserModeApp;
let ui: AppPage;
let keyId = '';
let local: LocalRegistryUi;
let releaseFolder = '';
/** The folder that makes Go trust no CA from the system's certificate folder: only the export line can help. */
let emptyCertDir: string;

describe.skipIf(missing.length > 0)(`the desktop's golden path in Chromium${skipped}`, () => {
  // 13 go builds from a cold build cache take minutes on two loaded cores.
  beforeAll(async () => {
    [providers, session] = await Promise.all([goProviders(), openDesktopSession('signet-desktop-flow-')]);
    ({ work, app, ui } = session);
    emptyCertDir = join(work, 'empty-cert-dir');
    await mkdir(emptyCertDir);
  }, 600_000);

  afterAll(async () => {
    await session?.close();
  });

  it('generates an RSA 4096 key (the default) in the Generate key dialog; the Keys table shows it Compatible', async () => {
    keyId = await generateKeyInUi(ui.page, {
      name: 'Acme Releases',
      email: 'releases@acme.example',
      expires: '2y',
      passphrase: PASSPHRASE,
    });
    expect(keyId).toMatch(/^[0-9A-F]{16}$/);
    const row = keyRow(ui.page, keyId);
    await row.getByText('Compatible', { exact: true }).waitFor();
    expect(await row.innerText()).toContain('RSA 4096');
  }, 180_000);

  it('backs the private key up to a file and copies the public key, neither reaching the page as a private key', async () => {
    const row = keyRow(ui.page, keyId);
    await button(row, 'Back up private key').click();
    const backup = dialog(ui.page, 'Back up private key');
    const path = join(work, 'backup', 'acme-private.asc');
    await mkdir(join(work, 'backup'));
    await textbox(backup, 'File path').fill(path);
    await textbox(backup, 'File path').press('Enter');
    await backup.waitFor({ state: 'hidden' });
    const saved = await readFile(path, 'utf8');
    expect(saved).toContain('-----BEGIN PGP PRIVATE KEY BLOCK-----');

    await button(row, 'Copy public key').click();
    await row.getByText('Copied', { exact: true }).waitFor();
    const clipboard = await ui.page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    expect(clipboard).toContain('-----BEGIN PGP PUBLIC KEY BLOCK-----');
    expect(clipboard).not.toContain('PRIVATE KEY');
    await ui.settle();
    const publicKey = ui.responses.find((r) => r.url.endsWith('/api/keysPublicKey'));
    expect(publicKey?.body).toContain('-----BEGIN PGP PUBLIC KEY BLOCK-----');
  });

  it('starts the local registry: Running at https://localhost:PORT, and the three code blocks', async () => {
    local = await startLocalRegistryInUi(ui.page);
    expect(local.url).toMatch(/^https:\/\/localhost:\d+$/);
    expect(local.environment.trim()).toMatch(/^export SSL_CERT_FILE=\S+$/);
    expect(local.cliConfiguration).toContain('provider_installation');
    expect(local.sourceAddress).toMatch(new RegExp(`^localhost:${local.port}/[a-z0-9-]+/[a-z0-9-]+$`));
  });

  it('makes a release from real Go binaries for 13 platforms; after Package, Problems lists FILE_MISSING for the .sig and Publish is disabled', async () => {
    expect(providers.binaries.map((b) => b.platform)).toEqual([...DEFAULT_PLATFORMS]);
    await newReleaseInUi(ui.page, {
      namespace: 'acme',
      provider: 'hello',
      version: '1.0.0',
      protocols: ['6.0'],
      keyId,
      registry: 'Local',
      inputFolder: providers.folder,
    });
    await packageInUi(ui.page, SUMS);
    expect(await problemsRegion(ui.page).innerText()).not.toContain('No problems');
    expect(await button(ui.page, 'Publish').isDisabled()).toBe(true);

    const [release] = (await app.call('releasesList', {})).filter((r) => r.version === '1.0.0');
    releaseFolder = release!.releaseFolder;
    const files = await readdir(releaseFolder);
    for (const platform of DEFAULT_PLATFORMS) expect(files).toContain(`terraform-provider-hello_1.0.0_${platform}.zip`);
    expect(files).toContain(SUMS);
    expect(files).not.toContain(`${SUMS}.sig`);
  }, 180_000);

  it('signs with the passphrase in the Sign dialog; Problems then says No problems and Publish is enabled', async () => {
    const signing = await signInUi(ui.page, PASSPHRASE);
    await signing.waitFor({ state: 'hidden', timeout: 60_000 });
    await problemsRegion(ui.page).getByText('No problems', { exact: true }).waitFor({ timeout: 60_000 });
    await until('Publish to be enabled', async () =>
      (await button(ui.page, 'Publish').isEnabled()) ? true : undefined,
    );
    expect(await readdir(releaseFolder)).toContain(`${SUMS}.sig`);
  });

  it('publishes to the local registry: the status says Published', async () => {
    await button(ui.page, 'Publish').click();
    await ui.page.getByText('Published', { exact: true }).waitFor({ timeout: 120_000 });
    await button(ui.page, 'Deprecate').waitFor();
  }, 180_000);

  it('real terraform init installs it with the UI’s CLI configuration and export line (self-signed, key ID …)', async () => {
    // The source address block now names the published provider.
    await goToArea(ui.page, 'Local registry');
    const source = (
      await ui.page.getByRole('region', { name: 'Source address', exact: true }).locator('pre').innerText()
    ).trim();
    expect(source).toBe(`localhost:${local.port}/acme/hello`);
    const run = await terraformInit('tf-registry', source, local.cliConfiguration, local.environment);
    expect(run.output).toContain(`- Installed ${source} v1.0.0 (self-signed, key ID ${keyId})`);
    expect(run.output).toContain('Terraform has been successfully initialized!');
    expect(run.code).toBe(0);
    const lock = await readFile(join(work, 'tf-registry', '.terraform.lock.hcl'), 'utf8');
    // One zh: per SHA256SUMS line: 13 zips and the manifest.
    expect(lock.match(/"zh:[0-9a-f]{64}"/g)).toHaveLength(DEFAULT_PLATFORMS.length + 1);
    const installed = join(work, 'tf-registry', `.terraform/providers/${source}/1.0.0/linux_amd64`);
    const binary = await readFile(join(installed, 'terraform-provider-hello_v1.0.0'));
    const built = await readFile(providers.binaries.find((b) => b.platform === 'linux_amd64')!.path);
    expect(sha256(binary)).toBe(sha256(built));
    const version = await promisify(execFile)(join(installed, 'terraform-provider-hello_v1.0.0'), ['--version']);
    expect(version.stdout).toBe('1.0.0\n');
  }, 180_000);

  it('deprecates the version with a message; terraform init in a fresh folder prints the warning', async () => {
    await goToArea(ui.page, 'Releases');
    // The open release survives the visit to another area.
    await button(ui.page, 'Deprecate').click();
    const deprecate = ui.page.getByRole('dialog').filter({ has: textbox(ui.page, 'Message') });
    await textbox(deprecate, 'Message').fill(DEPRECATION);
    await button(deprecate, 'Deprecate').click();
    await deprecate.waitFor({ state: 'hidden' });
    await ui.page.getByText('Deprecated', { exact: true }).waitFor();

    const source = `localhost:${local.port}/acme/hello`;
    const run = await terraformInit('tf-deprecated', source, local.cliConfiguration, local.environment);
    expect(run.output).toContain('Warning: Additional provider information from registry');
    // terraform wraps warnings at about 80 columns.
    expect(run.output.replace(/\s+/g, ' ')).toContain(DEPRECATION);
    expect(run.output).toContain(`(self-signed, key ID ${keyId})`);
    expect(run.code).toBe(0);
  }, 180_000);

  it('exports the mirror to a folder; terraform init installs from that filesystem mirror with the registry stopped', async () => {
    await goToArea(ui.page, 'Local registry');
    const folder = join(work, 'mirror');
    await textbox(ui.page, 'Mirror folder').fill(folder);
    await button(ui.page, 'Export mirror').click();
    const block = ui.page.locator('pre').filter({ hasText: 'filesystem_mirror' });
    await block.waitFor({ timeout: 60_000 });
    const config = await block.innerText();
    expect(config).toContain(JSON.stringify(folder));

    await button(ui.page, 'Stop registry').click();
    await button(ui.page, 'Start registry').waitFor({ timeout: 30_000 });
    const source = `localhost:${local.port}/acme/hello`;
    const run = await terraformInit('tf-mirror', source, config, '');
    expect(run.output).toContain(`- Installed ${source} v1.0.0 (unauthenticated)`);
    expect(run.code).toBe(0);
    const installed = join(work, 'tf-mirror', `.terraform/providers/${source}/1.0.0/linux_amd64`);
    expect(await readdir(installed)).toEqual(['terraform-provider-hello_v1.0.0']);
  }, 180_000);

  it('no /api response the page got and no line the server wrote holds a private key or the passphrase', async () => {
    await ui.settle();
    const channels = new Set(ui.responses.map((r) => new URL(r.url).pathname));
    // The flow's secret-handling calls all answered, so the check below looked where a leak would be.
    for (const channel of [
      'keysGenerate',
      'keysBackUpPrivateKey',
      'keysPublicKey',
      'releasesSign',
      'releasesPublish',
    ]) {
      expect(channels).toContain(`/api/${channel}`);
    }
    const bodies = ui.responses.map((r) => r.body);
    const secrets = { 'a private key block': 'PRIVATE KEY', 'the passphrase': PASSPHRASE };
    expect(findSecrets(bodies, secrets, (i) => `${ui.responses[i]!.url} (${ui.responses[i]!.status})`)).toEqual([]);
    expect(findSecrets(app.apiAnswers, secrets, (i) => `test-side API answer ${i}`)).toEqual([]);
    expect(findSecrets(app.logs().split('\n'), secrets, (i) => `server log line ${i + 1}`)).toEqual([]);
    // The page itself never held one either (what it rendered last, and its storage).
    const html = await ui.page.content();
    expect(findSecrets([html], secrets, () => 'the page')).toEqual([]);
    expect(ui.pageErrors.filter((e) => !KNOWN_CONSOLE_ERRORS.some((known) => e.includes(known)))).toEqual([]);
  });
});

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A root module requiring `source` 1.0.0, the CLI configuration as the UI shows it, then the UI's environment line
 * and `terraform init` in one POSIX shell, as a user pastes them (CHECKPOINT_DISABLE=1, a private HOME, no plugin
 * cache, SSL_CERT_DIR empty so only the export line can make the local CA trusted).
 */
async function terraformInit(name: string, source: string, cliConfig: string, environment: string) {
  const dir = join(work, name);
  await mkdir(join(dir, 'home'), { recursive: true });
  await writeFile(
    join(dir, 'main.tf'),
    `terraform {\n  required_providers {\n    hello = {\n      source  = ${JSON.stringify(source)}\n      version = "1.0.0"\n    }\n  }\n}\n`,
  );
  await writeFile(join(dir, 'terraformrc'), cliConfig);
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: join(dir, 'home'),
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_CLI_CONFIG_FILE: join(dir, 'terraformrc'),
    SSL_CERT_DIR: emptyCertDir,
  };
  try {
    const { stdout, stderr } = await promisify(execFile)(
      'sh',
      ['-c', `${environment}\nterraform init -input=false -no-color`],
      { cwd: dir, env },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}
