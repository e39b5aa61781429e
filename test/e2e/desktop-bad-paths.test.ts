// Acceptance of issue 10, the bad paths, in real headless Chromium against `pnpm desktop:web`, by the accessible
// names of design.md §5.4: a wrong passphrase at Sign says so and leaves the release folder byte for byte as it
// was; a zip tampered with after signing shows SHASUMS_MISMATCH (the folder watcher re-validates) and Publish
// stays disabled, and the services refuse to publish it too; imported v6 and algorithm-27 keys show Incompatible
// with the core's reason; browser-mode requests without the token, or with another Host or Origin, get 403 and
// change nothing (raw HTTP, headers forged as a DNS-rebinding page or a cross-site form would send them).
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  findSecrets,
  rawHttp,
  requireChromium,
  startBrowserMode,
  type AppPage,
  type BrowserModeApp,
} from '../helpers/browser';
import {
  button,
  generateKeyInUi,
  importKeyInUi,
  keyRow,
  newReleaseInUi,
  openDesktopSession,
  packageInUi,
  passwordField,
  problemsRegion,
  signInUi,
  until,
  type DesktopSession,
} from '../helpers/desktop-ui';
import { goProviders, hasGo, type GoProviders } from '../helpers/go-providers';
import { rawRequest } from '../helpers/https-request';
import { requireTool } from '../helpers/tools';
import { writeFixtureZip } from '../helpers/zip-fixtures';

const go = requireTool('go') && hasGo();
const chromium = requireChromium();
const missing = [!go && 'go', !chromium && 'chromium'].filter(Boolean);
const skipped = missing.length > 0 ? ` — SKIPPED: ${missing.join(', ')} missing` : '';

const PASSPHRASE = 'bad-paths passphrase 42';
const SUMS = 'terraform-provider-hello_1.0.0_SHA256SUMS';
const LINUX_ZIP = 'terraform-provider-hello_1.0.0_linux_amd64.zip';

let session: DesktopSession | undefined;
let providers: GoProviders;
let app: BrowserModeApp;
let ui: AppPage;
let keyId = '';
let releaseFolder = '';

/** Every file under `dir` with its SHA-256, by relative path. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    result[relative(dir, path)] = createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  }
  return result;
}

describe.skipIf(missing.length > 0)(`the desktop's bad paths in Chromium${skipped}`, () => {
  // 13 go builds from a cold build cache take minutes on two loaded cores.
  beforeAll(async () => {
    [providers, session] = await Promise.all([goProviders(), openDesktopSession('signet-desktop-bad-')]);
    ({ app, ui } = session);
    keyId = await generateKeyInUi(ui.page, {
      name: 'Acme Bad Paths',
      email: 'bad@acme.example',
      passphrase: PASSPHRASE,
      algorithm: 'Ed25519',
    });
    await newReleaseInUi(ui.page, {
      namespace: 'acme',
      provider: 'hello',
      version: '1.0.0',
      protocols: ['5.0'],
      keyId,
      inputFolder: providers.folder,
    });
    await packageInUi(ui.page, SUMS);
    releaseFolder = (await app.call('releasesList', {}))[0]!.releaseFolder;
  }, 600_000);

  afterAll(async () => {
    await session?.close();
  });

  it('a wrong passphrase at Sign says so in the dialog and changes nothing in the release folder', async () => {
    const before = await snapshot(releaseFolder);
    expect(Object.keys(before)).toContain(SUMS);
    const signing = await signInUi(ui.page, 'not the passphrase');
    const alert = signing.getByRole('alert');
    await alert.waitFor({ timeout: 60_000 });
    const said = await alert.innerText();
    expect(said).toContain('BAD_PASSPHRASE');
    expect(said).toMatch(/passphrase .*is wrong/i);
    expect(said).not.toContain('not the passphrase');
    expect(await snapshot(releaseFolder)).toEqual(before);
    // Still unsigned: only the .sig is missing, and Publish is disabled.
    expect(await problemsRegion(ui.page).getByText(`${SUMS}.sig`, { exact: true }).count()).toBe(1);
    expect(await button(ui.page, 'Publish').isDisabled()).toBe(true);

    // The same dialog then signs with the right one.
    await passwordField(signing, 'Passphrase').fill(PASSPHRASE);
    await button(signing, 'Sign').click();
    await signing.waitFor({ state: 'hidden', timeout: 60_000 });
    await problemsRegion(ui.page).getByText('No problems', { exact: true }).waitFor({ timeout: 60_000 });
    const after = await snapshot(releaseFolder);
    expect(Object.keys(after).sort()).toEqual([...Object.keys(before), `${SUMS}.sig`].sort());
  });

  it('a zip changed after signing shows SHASUMS_MISMATCH; Publish stays disabled and the services refuse it', async () => {
    await until('Publish to be enabled', async () =>
      (await button(ui.page, 'Publish').isEnabled()) ? true : undefined,
    );
    // Another valid zip of the same name: its binary has one byte more than the one SHA256SUMS was made for.
    const binary = await readFile(providers.binaries.find((b) => b.platform === 'linux_amd64')!.path);
    const zip = join(releaseFolder, LINUX_ZIP);
    const signedSize = (await stat(zip)).size;
    await writeFixtureZip(zip, [
      { name: 'terraform-provider-hello_v1.0.0', data: Buffer.concat([binary, Buffer.from([0])]) },
    ]);
    expect((await stat(zip)).size).not.toBe(signedSize);

    const problems = problemsRegion(ui.page);
    const mismatch = problems.getByRole('listitem').filter({ hasText: 'SHASUMS_MISMATCH' });
    await mismatch.first().waitFor({ timeout: 60_000 });
    expect(await mismatch.first().innerText()).toContain(LINUX_ZIP);
    expect(await problems.getByText('No problems', { exact: true }).count()).toBe(0);
    expect(await button(ui.page, 'Publish').isDisabled()).toBe(true);

    // Past the disabled button: the services refuse to publish it, and the registry holds no version.
    await app.call('localStart', {});
    const [release] = await app.call('releasesList', {});
    const refused = await app.api('releasesPublish', { releaseId: release!.id });
    expect(refused.ok).toBe(false);
    expect(refused.ok ? '' : refused.error.code).toBe('RELEASE_INVALID');
    expect((await app.call('releasesGet', { releaseId: release!.id })).status).toBe('draft');
    const status = await app.call('localStatus', {});
    const versions = await fetchVersions(status.url!, status.caFile!);
    expect(versions).toEqual({ status: 404 });
  });

  it.each([
    [
      'a v6 key',
      { type: 'curve25519', config: { v6Keys: true } },
      /v6 key; terraform reads only v4 keys .*first packet was not a public\/private key/,
    ],
    ['an algorithm-27 key (v4, RFC 9580 Ed25519)', { type: 'curve25519' }, /algorithm 27 of RFC 9580/],
  ] as const)('importing %s shows Incompatible with the core’s reason', async (_what, options, reason) => {
    const { publicKey } = await openpgp.generateKey({
      ...options,
      userIDs: [{ name: 'Acme Newer', email: 'newer@acme.example' }],
      format: 'armored',
    } as Parameters<typeof openpgp.generateKey>[0] & { format: 'armored' });
    const key = await openpgp.readKey({ armoredKey: publicKey });
    const expectedId = key.getKeyID().toHex().toUpperCase();
    const id = await importKeyInUi(ui.page, publicKey);
    expect(id).toBe(expectedId);
    const row = keyRow(ui.page, id);
    await row.getByText('Incompatible', { exact: true }).waitFor();
    expect((await row.innerText()).replace(/\s+/g, ' ')).toMatch(reason);
  });
  it('no /api response and no server line of these failures holds a private key or either passphrase', async () => {
    await ui.settle();
    const secrets = {
      'a private key block': 'PRIVATE KEY',
      'the passphrase': PASSPHRASE,
      'the wrong passphrase': 'not the passphrase',
    };
    expect(ui.responses.some((r) => r.body.includes('BAD_PASSPHRASE'))).toBe(true);
    expect(
      findSecrets(
        ui.responses.map((r) => r.body),
        secrets,
        (i) => ui.responses[i]!.url,
      ),
    ).toEqual([]);
    expect(findSecrets(app.apiAnswers, secrets, (i) => `test-side API answer ${i}`)).toEqual([]);
    expect(findSecrets(app.logs().split('\n'), secrets, (i) => `server log line ${i + 1}`)).toEqual([]);
  });
});

// Raw HTTP only: this part needs no browser.
describe("browser mode's request guard", () => {
  let guarded: BrowserModeApp;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'signet-desktop-guard-'));
    guarded = await startBrowserMode({ dataDir });
  });

  afterAll(async () => {
    await guarded?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses with 403, and changes nothing, a request without the token or with another Host or Origin', async () => {
    const { port, token } = guarded;
    const own = `127.0.0.1:${port}`;
    const keysBefore = await guarded.call('keysList', {});
    const filesBefore = await snapshot(dataDir);
    const generate = JSON.stringify({
      name: 'Forged',
      email: 'forged@evil.example',
      expires: '2y',
      passphrase: 'forged pass',
      confirmPassphrase: 'forged pass',
      algorithm: 'ed25519',
    });
    const json = { 'content-type': 'application/json' };
    const bearer = { authorization: `Bearer ${token}` };
    const post = (headers: Record<string, string>) =>
      rawHttp(port, { method: 'POST', path: '/api/keysGenerate', headers: { ...json, ...headers }, body: generate });
    const refused = {
      'no token': await post({ host: own, origin: `http://${own}` }),
      'a wrong bearer token': await post({ host: own, authorization: `Bearer ${token.slice(1)}x` }),
      'a wrong session cookie': await post({ host: own, cookie: `signet_session_${port}=${token.slice(1)}x` }),
      'the token in the query of an API call': await rawHttp(port, {
        method: 'POST',
        path: `/api/keysGenerate?token=${token}`,
        headers: { ...json, host: own },
        body: generate,
      }),
      'another Host (DNS rebinding)': await post({ host: `evil.example:${port}`, ...bearer }),
      'another port in Host': await post({ host: `127.0.0.1:${port + 1}`, ...bearer }),
      'another Origin (CSRF)': await post({ host: own, origin: 'http://evil.example', ...bearer }),
      'an Origin with another scheme': await post({ host: own, origin: `https://${own}`, ...bearer }),
      'a look-alike Origin': await post({ host: own, origin: `http://${own}.evil.example`, ...bearer }),
      'the page without the token': await rawHttp(port, { path: '/', headers: { host: own } }),
      'the page with a wrong token': await rawHttp(port, {
        path: `/?token=${token.slice(1)}x`,
        headers: { host: own },
      }),
      'the page with the token under another Host': await rawHttp(port, {
        path: `/?token=${token}`,
        headers: { host: `evil.example:${port}` },
      }),
    };
    for (const [why, answer] of Object.entries(refused)) {
      expect({ why, status: answer.status }).toEqual({ why, status: 403 });
      expect({ why, cookie: answer.headers['set-cookie'] }).toEqual({ why, cookie: undefined });
      expect(answer.text).not.toContain(token);
    }
    expect(await guarded.call('keysList', {})).toEqual(keysBefore);
    expect(await snapshot(dataDir)).toEqual(filesBefore);

    // The same request with the token, its own Host and Origin does go through: the refusals were the guard's.
    const accepted = await post({ host: own, origin: `http://${own}`, ...bearer });
    expect(accepted.status).toBe(200);
    expect(accepted.json.ok).toBe(true);
    expect((await guarded.call('keysList', {})).length).toBe(keysBefore.length + 1);
  });
});

/** GET /v1/providers/acme/hello/versions of the local registry: its status, and its body when found. */
async function fetchVersions(url: string, caFile: string): Promise<{ status: number; body?: unknown }> {
  const answer = await rawRequest(url, await readFile(caFile, 'utf8'), {
    method: 'GET',
    path: '/v1/providers/acme/hello/versions',
  });
  return answer.status === 404 ? { status: 404 } : { status: answer.status, body: answer.json };
}
