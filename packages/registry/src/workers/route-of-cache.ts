// The metrics label of each request is its route pattern (`app.routeOf`: a router match, ≈ 1 µs, a few percent of a
// fast-path read). The hot paths repeat, so the answers are kept: a bounded map, emptied when full, so that a client
// making up paths costs memory only up to the bound.

/** At most this many method-and-path answers are kept. */
const MAX_ENTRIES = 1024;

/** `routeOf`, remembering its answers. */
export function cacheRouteOf(
  routeOf: (method: string, path: string) => string,
): (method: string, path: string) => string {
  const known = new Map<string, string>();
  return (method, path) => {
    const key = `${method} ${path}`;
    let route = known.get(key);
    if (route === undefined) {
      route = routeOf(method, path);
      if (known.size >= MAX_ENTRIES) known.clear();
      known.set(key, route);
    }
    return route;
  };
}
