import { useCallback, useEffect, useState } from 'react';
import type { ApiError } from '../../shared/api';
import { useAction } from './use-action';

// What each area read last, kept while the page lives: coming back to an area shows it at once (and re-reads).
const cache = new Map<string, unknown>();

export interface AreaData<T> {
  /** Undefined only before the first read answered (or when it failed). */
  value: T | undefined;
  setValue: (value: T) => void;
  refresh: () => Promise<void>;
  error: ApiError | null;
  /** True until there is something to show: the area renders its heading only then. */
  loading: boolean;
}

/** An area's list or status, read on mount and cached per key. */
export function useAreaData<T>(key: string, load: () => Promise<T>): AreaData<T> {
  const [value, setState] = useState<T | undefined>(() => cache.get(key) as T | undefined);
  const action = useAction(load);
  const { run } = action;

  const setValue = useCallback(
    (next: T) => {
      cache.set(key, next);
      setState(next);
    },
    [key],
  );

  const refresh = useCallback(async () => {
    const next = await run();
    if (next !== undefined) setValue(next);
  }, [run, setValue]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  return { value, setValue, refresh, error: action.error, loading: value === undefined && action.error === null };
}
