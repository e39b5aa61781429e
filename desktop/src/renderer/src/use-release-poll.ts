import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError, ReleaseView } from '../../shared/api';
import { call, toApiError } from './api';

const POLL_MS = 500;

/** What a poll compares: a fresh object only when something shown changed, so React leaves the DOM alone. */
function fingerprint(release: ReleaseView): string {
  const { problems: _problems, ...rest } = release;
  return JSON.stringify(rest);
}

function merge(previous: ReleaseView | null, next: ReleaseView): ReleaseView {
  if (previous === null || previous.id !== next.id) return next;
  // The problem list is replaced only with a new revision; the same revision keeps the same array.
  const problems = previous.revision === next.revision ? previous.problems : next.problems;
  if (problems === previous.problems && fingerprint(previous) === fingerprint(next)) return previous;
  return { ...next, problems };
}

export interface ReleasePoll {
  release: ReleaseView | null;
  error: ApiError | null;
  /** Takes a release a call answered with (package, sign, publish, …). */
  accept: (release: ReleaseView) => void;
}

/** Reads the release every 500 ms while it is open: task progress and the re-validated Problems. */
export function useReleasePoll(releaseId: string, initial: ReleaseView | null): ReleasePoll {
  const [release, setRelease] = useState<ReleaseView | null>(initial);
  const [error, setError] = useState<ApiError | null>(null);
  const alive = useRef(true);
  // Bumped by every answer a call gave: a poll that was asked before it is older and is dropped, so the view
  // never steps back (a stale "running" task after Publish answered, a draft status after it was published).
  const generation = useRef(0);

  const accept = useCallback((next: ReleaseView) => {
    generation.current += 1;
    setRelease((previous) => merge(previous, next));
  }, []);

  useEffect(() => {
    alive.current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const asked = generation.current;
      try {
        const next = await call('releasesGet', { releaseId });
        if (!alive.current) return;
        setError(null);
        if (asked === generation.current) {
          setRelease((previous) =>
            previous !== null && previous.id === next.id && next.revision < previous.revision
              ? previous
              : merge(previous, next),
          );
        }
      } catch (caught) {
        if (!alive.current) return;
        setError(toApiError(caught));
      }
      if (alive.current) timer = setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
    return () => {
      alive.current = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [releaseId]);

  return { release, error, accept };
}
