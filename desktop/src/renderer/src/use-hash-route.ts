import { useEffect, useState } from 'react';

export const AREAS = [
  { route: 'keys', label: 'Keys' },
  { route: 'releases', label: 'Releases' },
  { route: 'registries', label: 'Registries' },
  { route: 'local', label: 'Local registry' },
] as const;

export type AreaRoute = (typeof AREAS)[number]['route'];

function readRoute(): AreaRoute {
  const hash = window.location.hash.replace(/^#\/?/, '');
  return AREAS.find((area) => area.route === hash)?.route ?? 'keys';
}

/** The area in the location hash (`#/releases`), so links are real links and Back works. */
export function useHashRoute(): AreaRoute {
  const [route, setRoute] = useState(readRoute);
  useEffect(() => {
    const update = () => setRoute(readRoute());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
