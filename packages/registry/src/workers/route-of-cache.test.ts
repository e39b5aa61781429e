import { describe, expect, it } from 'vitest';

import { cacheRouteOf } from './route-of-cache';

describe('cacheRouteOf', () => {
  it('asks the router once per method and path, and stays bounded under made-up paths', () => {
    const asked: string[] = [];
    const routeOf = cacheRouteOf((method, path) => {
      asked.push(`${method} ${path}`);
      return path.startsWith('/v1/') ? '/v1/*' : 'unmatched';
    });
    expect(routeOf('GET', '/v1/a')).toBe('/v1/*');
    expect(routeOf('GET', '/v1/a')).toBe('/v1/*');
    expect(routeOf('HEAD', '/v1/a')).toBe('/v1/*');
    expect(asked).toEqual(['GET /v1/a', 'HEAD /v1/a']);
    for (let i = 0; i < 5000; i++) expect(routeOf('GET', `/made-up/${i}`)).toBe('unmatched');
    // The map was emptied on the way (1024 at most): the first path is asked again.
    expect(routeOf('GET', '/v1/a')).toBe('/v1/*');
    expect(asked.filter((a) => a === 'GET /v1/a')).toHaveLength(2);
  });
});
