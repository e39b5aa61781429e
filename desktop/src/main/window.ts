// The one window: sandboxed, context-isolated, no Node, web security on, no <webview>, the preload as its only
// bridge, the renderer from app://signet.
import type { BrowserWindow, BrowserWindowConstructorOptions, WebPreferences } from 'electron';
import { APP_START_URL } from './app-origin';
import { guardWebContents } from './web-contents-guard';

/** The window's webPreferences: design.md §5.4's security settings. */
export function createWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

export interface MainWindowOptions {
  preloadPath: string;
  /** The page to load; app://signet/index.html unless a test says otherwise. */
  url?: string;
}

type WindowConstructor = new (options: BrowserWindowConstructorOptions) => BrowserWindow;

/** Creates the main window, guards its web contents and loads the renderer. */
export function createMainWindow(Window: WindowConstructor, options: MainWindowOptions): BrowserWindow {
  const window = new Window({
    width: 1200,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    title: 'Signet',
    show: false,
    webPreferences: createWebPreferences(options.preloadPath),
  });
  guardWebContents(window.webContents);
  window.once('ready-to-show', () => window.show());
  window.loadURL(options.url ?? APP_START_URL).catch((error: unknown) => {
    console.error(`Signet could not load its window: ${String(error)}`);
  });
  return window;
}
