// The app's wiring, given the electron module: the app:// scheme, the web-contents guard, permissions, the
// IPC handlers, the services host and the window. index.ts passes the real module; tests pass a mock.
import type * as Electron from 'electron';
import type { ChannelArgs } from '../shared/api';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES } from './app-origin';
import { createAppProtocolHandler } from './app-protocol';
import { chooseFolder } from './choose-folder';
import { registerIpcHandlers } from './ipc';
import { denyAllPermissions } from './permissions';
import { createSafeStorageVault } from './safe-storage-vault';
import { createSenderCheck } from './sender-check';
import { createServicesClient } from './services-client';
import { guardWebContents } from './web-contents-guard';
import { createMainWindow } from './window';

export type ElectronMain = Pick<
  typeof Electron,
  'app' | 'BrowserWindow' | 'dialog' | 'ipcMain' | 'protocol' | 'safeStorage' | 'session' | 'utilityProcess'
>;

export interface AppPaths {
  /** out/preload/index.cjs */
  preload: string;
  /** out/renderer */
  renderer: string;
  /** out/main/services-host.js */
  servicesHost: string;
}

/** Wires the app; call once, before the app is ready (privileged schemes must be registered by then). */
export function startApp(electron: ElectronMain, paths: AppPaths): void {
  const { app, protocol } = electron;
  // Every renderer sandboxed, whatever its webPreferences say.
  app.enableSandbox();
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
  // Two instances would share one data folder (and one registry database): the second hands over and quits.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));

  let window: Electron.BrowserWindow | null = null;
  const openWindow = (): void => {
    window = createMainWindow(electron.BrowserWindow, { preloadPath: paths.preload });
    window.on('closed', () => {
      window = null;
    });
  };

  const services = createServicesClient({
    spawn: () =>
      electron.utilityProcess.fork(paths.servicesHost, [], { serviceName: 'Signet services', stdio: 'inherit' }),
    dataDir: app.getPath('userData'),
    vault: createSafeStorageVault(electron.safeStorage, process.platform),
  });

  app.on('second-instance', () => {
    if (window === null) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => app.quit());
  // Let the services host close the local registry's store before the app goes.
  let servicesStopped = false;
  app.on('will-quit', (event) => {
    if (servicesStopped) return;
    event.preventDefault();
    void services.stop().finally(() => {
      servicesStopped = true;
      app.quit();
    });
  });
  app.on('activate', () => {
    if (window === null && app.isReady()) openWindow();
  });

  void app.whenReady().then(() => {
    denyAllPermissions(electron.session.defaultSession);
    protocol.handle(APP_SCHEME, createAppProtocolHandler(paths.renderer));
    registerIpcHandlers(electron.ipcMain, {
      isTrustedSender: createSenderCheck(() => window?.webContents.mainFrame),
      forward: (channel, input) => services.call(channel, input),
      local: {
        dialogChooseFolder: (input) =>
          chooseFolder(electron.dialog, window, input as ChannelArgs<'dialogChooseFolder'>),
      },
    });
    openWindow();
  });
}
