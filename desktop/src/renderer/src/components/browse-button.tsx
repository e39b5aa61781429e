import { useState, useSyncExternalStore } from 'react';
import type { ApiError } from '../../../shared/api';
import { call, toApiError } from '../api';
import { useAppInfo } from '../app-info';
import { ErrorAlert } from './error-alert';

// Once a native dialog is refused (browser mode answers UNSUPPORTED), no Browse… button shows again, anywhere.
let unsupported = false;
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function markUnsupported(): void {
  unsupported = true;
  for (const listener of listeners) listener();
}

/** `Browse…` for a folder textbox: Electron's native dialog; absent in browser mode. */
export function BrowseButton({ title, onChosen }: { title: string; onChosen: (path: string) => void }) {
  const info = useAppInfo();
  const hidden = useSyncExternalStore(subscribe, () => unsupported);
  const [error, setError] = useState<ApiError | null>(null);
  if (hidden || info?.mode !== 'electron') return null;

  const choose = async () => {
    setError(null);
    try {
      const result = await call('dialogChooseFolder', { title });
      if (result.path !== null) onChosen(result.path);
    } catch (caught) {
      const apiError = toApiError(caught);
      if (apiError.code === 'UNSUPPORTED') markUnsupported();
      else setError(apiError);
    }
  };

  return (
    <>
      <button type="button" onClick={() => void choose()}>
        Browse…
      </button>
      <ErrorAlert error={error} />
    </>
  );
}
