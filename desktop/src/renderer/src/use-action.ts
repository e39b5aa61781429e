import { useCallback, useRef, useState } from 'react';
import type { ApiError } from '../../shared/api';
import { toApiError } from './api';

export interface Action<A extends unknown[], T> {
  /** Runs the action; resolves to its value, or undefined once the error is shown. */
  run: (...args: A) => Promise<T | undefined>;
  busy: boolean;
  error: ApiError | null;
  setError: (error: ApiError | null) => void;
}

/** Wraps an async call with the busy flag and the error a control shows next to itself. */
export function useAction<A extends unknown[], T>(fn: (...args: A) => Promise<T>): Action<A, T> {
  const latest = useRef(fn);
  latest.current = fn;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async (...args: A): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await latest.current(...args);
    } catch (caught) {
      setError(toApiError(caught));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { run, busy, error, setError };
}
