import type { SignetApi } from '../../shared/api';

declare global {
  interface Window {
    /** The preload's typed API under Electron; absent in browser mode. */
    signet?: SignetApi;
  }
}
