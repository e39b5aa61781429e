// The Electron main process: thin. Everything is wired in app.ts; the services run in a utilityProcess
// (services-host.ts), so RSA keygen, packaging, hashing and the local registry never block the window.
import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session, utilityProcess } from 'electron';
import { startApp } from './app';

const out = join(import.meta.dirname, '..');

// The data folder is <appData>/Signet whether run from the checkout or packaged.
app.setName('Signet');
app.setPath('userData', join(app.getPath('appData'), 'Signet'));
startApp(
  { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session, utilityProcess },
  {
    preload: join(out, 'preload', 'index.cjs'),
    renderer: join(out, 'renderer'),
    servicesHost: join(out, 'main', 'services-host.js'),
  },
);
