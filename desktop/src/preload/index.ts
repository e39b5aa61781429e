// The sandboxed preload: one method per channel of the contract, each a plain `ipcRenderer.invoke` of that
// channel's namespaced IPC name. Never a generic invoke, never ipcRenderer itself. Bundled into one CommonJS
// file that requires only `electron` (a sandboxed preload can require nothing else).
import { contextBridge, ipcRenderer } from 'electron';
import { CHANNEL_NAMES, ipcChannelName, type SignetApi } from '../shared/api';

function buildApi(): SignetApi {
  const api: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const channel of CHANNEL_NAMES) {
    const name = ipcChannelName(channel);
    api[channel] = (input: unknown) => ipcRenderer.invoke(name, input);
  }
  return Object.freeze(api) as unknown as SignetApi;
}

contextBridge.exposeInMainWorld('signet', buildApi());
