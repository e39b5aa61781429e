// The main process as Electron starts it (src/main/index.ts), with `electron` mocked at the edge: what it
// registers before and after `ready`, the window it opens, and what its IPC handlers let through.
import { EventEmitter } from 'node:events';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNEL_NAMES, ipcChannelName } from '../src/shared/api';

const fake = vi.hoisted(() => {
  type Listener = (...args: any[]) => any;
  class FakeEmitter {
    listeners = new Map<string, Listener[]>();
    on(event: string, listener: Listener): this {
      this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
      return this;
    }
    once(event: string, listener: Listener): this {
      return this.on(event, listener);
    }
    emit(event: string, ...args: any[]): void {
      for (const listener of this.listeners.get(event) ?? []) listener(...args);
    }
  }
  class FakeWebContents extends FakeEmitter {
    windowOpenHandler: Listener | null = null;
    mainFrame = { processId: 4, routingId: 1, url: 'app://signet/index.html' };
    setWindowOpenHandler(handler: Listener): void {
      this.windowOpenHandler = handler;
    }
  }
  class FakeBrowserWindow extends FakeEmitter {
    static instances: FakeBrowserWindow[] = [];
    webContents = new FakeWebContents();
    loadURL = vi.fn(() => Promise.resolve());
    constructor(public options: any) {
      super();
      FakeBrowserWindow.instances.push(this);
    }
    show(): void {}
    focus(): void {}
    restore(): void {}
    isMinimized(): boolean {
      return false;
    }
  }
  let markReady = (): void => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const app = Object.assign(new FakeEmitter(), {
    whenReady: () => ready,
    isReady: () => true,
    requestSingleInstanceLock: () => true,
    enableSandbox: vi.fn(),
    quit: vi.fn(),
    setName: vi.fn(),
    setPath: vi.fn(),
    getPath: (name: string) => `/fake/${name}`,
  });
  const handlers = new Map<string, Listener>();
  const children: any[] = [];
  const electron = {
    app,
    BrowserWindow: FakeBrowserWindow,
    dialog: { showOpenDialog: vi.fn(() => Promise.resolve({ canceled: false, filePaths: ['/chosen'] })) },
    ipcMain: { handle: vi.fn((name: string, listener: Listener) => handlers.set(name, listener)) },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    safeStorage: {
      getSelectedStorageBackend: () => 'gnome_libsecret',
      isAsyncEncryptionAvailable: () => Promise.resolve(true),
      encryptStringAsync: vi.fn(),
      decryptStringAsync: vi.fn(),
    },
    session: {
      defaultSession: { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() },
    },
    utilityProcess: { fork: vi.fn(() => children[children.length - 1]) },
  };
  return { electron, markReady, handlers, children, FakeBrowserWindow, FakeWebContents };
});

vi.mock('electron', () => fake.electron);

class FakeChild extends EventEmitter {
  sent: any[] = [];
  postMessage(message: any): void {
    this.sent.push(message);
  }
  kill(): boolean {
    this.emit('exit', 0);
    return true;
  }
}

const { electron } = fake;

beforeAll(async () => {
  await import('../src/main/index');
});

function mainWindow() {
  const window = fake.FakeBrowserWindow.instances[0];
  if (window === undefined) throw new Error('no window was created');
  return window;
}

function navigationEvent(url?: string) {
  return { url, preventDefault: vi.fn() };
}

describe('main before ready', () => {
  it('registers app:// as a privileged standard, secure scheme', () => {
    expect(electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    ]);
    expect(fake.FakeBrowserWindow.instances).toHaveLength(0);
    expect(electron.ipcMain.handle).not.toHaveBeenCalled();
  });

  it('sandboxes every renderer', () => {
    expect(electron.app.enableSandbox).toHaveBeenCalled();
  });

  it('keeps its data in <appData>/Signet', () => {
    expect(electron.app.setPath).toHaveBeenCalledWith('userData', '/fake/appData/Signet');
  });
});

describe('main once ready', () => {
  beforeAll(async () => {
    fake.markReady();
    await vi.waitFor(() => expect(fake.FakeBrowserWindow.instances).toHaveLength(1));
  });

  it('opens one window: sandboxed, context-isolated, no Node, web security on, no <webview>, the bundled preload', () => {
    const prefs = mainWindow().options.webPreferences;
    expect(prefs).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(prefs.preload).toMatch(/[\\/]preload[\\/]index\.cjs$/);
    expect(mainWindow().loadURL).toHaveBeenCalledWith('app://signet/index.html');
  });

  it('serves the renderer through protocol.handle("app")', () => {
    expect(electron.protocol.handle).toHaveBeenCalledWith('app', expect.any(Function));
  });

  it('denies window.open', () => {
    expect(mainWindow().webContents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it('prevents navigation and redirects to another origin, allows its own', () => {
    const contents = mainWindow().webContents;
    for (const event of ['will-navigate', 'will-redirect']) {
      for (const url of ['https://example.com/', 'file:///etc/passwd', 'app://other/index.html']) {
        const foreign = navigationEvent(url);
        contents.emit(event, foreign, url);
        expect(foreign.preventDefault, `${event} ${url}`).toHaveBeenCalled();
      }
      const own = navigationEvent('app://signet/index.html#keys');
      contents.emit(event, own, 'app://signet/index.html#keys');
      expect(own.preventDefault).not.toHaveBeenCalled();
    }
    const frame = navigationEvent('https://example.com/');
    contents.emit('will-frame-navigate', frame);
    expect(frame.preventDefault).toHaveBeenCalled();
  });

  it('refuses every permission request and check', () => {
    const { setPermissionRequestHandler, setPermissionCheckHandler } = electron.session.defaultSession;
    const request = setPermissionRequestHandler.mock.calls[0]?.[0];
    const check = setPermissionCheckHandler.mock.calls[0]?.[0];
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal']) {
      const callback = vi.fn();
      request(mainWindow().webContents, permission, callback, {});
      expect(callback).toHaveBeenCalledWith(false);
      expect(check(mainWindow().webContents, permission, 'app://signet', {})).toBe(false);
    }
  });

  it('guards every other web contents too: no <webview>, no window.open', () => {
    const other = new fake.FakeWebContents();
    electron.app.emit('web-contents-created', {}, other);
    const attach = navigationEvent();
    other.emit('will-attach-webview', attach, {}, {});
    expect(attach.preventDefault).toHaveBeenCalled();
    expect(other.windowOpenHandler?.({ url: 'app://signet/index.html' })).toEqual({ action: 'deny' });
  });

  it('registers exactly one IPC handler per channel of the contract', () => {
    expect([...fake.handlers.keys()].sort()).toEqual(CHANNEL_NAMES.map(ipcChannelName).sort());
  });
});

describe('IPC handlers', () => {
  const handler = (name: string) => {
    const found = fake.handlers.get(name);
    if (found === undefined) throw new Error(`no handler for ${name}`);
    return found;
  };
  const trusted = () => ({ senderFrame: mainWindow().webContents.mainFrame });
  const foreignSenders = () => [
    { senderFrame: null },
    // A subframe of the same page.
    { senderFrame: { processId: 4, routingId: 7, url: 'app://signet/index.html' } },
    // Another renderer process.
    { senderFrame: { processId: 9, routingId: 1, url: 'app://signet/index.html' } },
    // The window's own frame after it navigated elsewhere.
    { senderFrame: { ...mainWindow().webContents.mainFrame, url: 'https://example.com/' } },
  ];

  it('refuse a foreign sender on every channel and never reach the services', async () => {
    for (const channel of CHANNEL_NAMES) {
      for (const event of foreignSenders()) {
        const result = await handler(ipcChannelName(channel))(event, {});
        expect(result, `${channel} from ${JSON.stringify(event)}`).toEqual({
          ok: false,
          error: { code: 'INPUT_INVALID', message: expect.stringContaining('refused') },
        });
      }
    }
    expect(electron.utilityProcess.fork).not.toHaveBeenCalled();
    expect(electron.dialog.showOpenDialog).not.toHaveBeenCalled();
  });

  it('answer bad input with INPUT_INVALID without reaching the services', async () => {
    const result = await handler('signet:keysGenerate')(trusted(), {
      name: 'A',
      email: 'not-an-email',
      expires: '2y',
      passphrase: 'p',
      confirmPassphrase: 'p',
    });
    expect(result).toEqual({ ok: false, error: { code: 'INPUT_INVALID', message: expect.stringContaining('email') } });
    expect(await handler('signet:keysList')(trusted(), { extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'INPUT_INVALID' },
    });
    expect(electron.utilityProcess.fork).not.toHaveBeenCalled();
  });

  it('forward a good sender’s parsed input to the services host and answer with its envelope', async () => {
    const child = new FakeChild();
    fake.children.push(child);
    const pending = handler('signet:keysGenerate')(trusted(), {
      name: 'Ada',
      email: 'ada@example.com',
      expires: '2y',
      passphrase: 'correct horse',
      confirmPassphrase: 'correct horse',
    });
    await vi.waitFor(() => expect(child.sent).toHaveLength(2));
    expect(electron.utilityProcess.fork).toHaveBeenCalledWith(
      expect.stringMatching(/[\\/]main[\\/]services-host\.js$/),
      [],
      expect.any(Object),
    );
    expect(child.sent[0]).toEqual({ kind: 'init', dataDir: '/fake/userData' });
    const call = child.sent[1];
    // Parsed: the default algorithm is filled in.
    expect(call).toMatchObject({ kind: 'call', channel: 'keysGenerate', input: { algorithm: 'rsa4096' } });
    const value = { keyId: '0123456789ABCDEF' };
    child.emit('message', { kind: 'result', id: call.id, result: { ok: true, value } });
    expect(await pending).toEqual({ ok: true, value });
  });

  it('answer dialogChooseFolder in main with the native dialog', async () => {
    expect(await handler('signet:dialogChooseFolder')(trusted(), { title: 'Input folder' })).toEqual({
      ok: true,
      value: { path: '/chosen' },
    });
    expect(electron.dialog.showOpenDialog).toHaveBeenCalledWith(
      mainWindow(),
      expect.objectContaining({ title: 'Input folder', properties: expect.arrayContaining(['openDirectory']) }),
    );
  });
});
