import { createContext, useContext } from 'react';
import type { AppInfo } from '../../shared/api';

/** The app's mode and secret storage, read once at start; null until then or when it failed. */
export const AppInfoContext = createContext<AppInfo | null>(null);

export function useAppInfo(): AppInfo | null {
  return useContext(AppInfoContext);
}
