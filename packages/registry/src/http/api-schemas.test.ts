import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { API_SCHEMAS } from '@signet/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openTestRegistry, type TestRegistry } from '../testing';

let dir: string;
let registry: TestRegistry;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-openapi-'));
  registry = await openTestRegistry(dir);
});
afterAll(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the shared schemas in the OpenAPI document', () => {
  it('lists every named schema of @signet/api as a component, and nested ones by reference', async () => {
    const doc = (await (await registry.app.request('/api/v1/openapi.json')).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const names = Object.keys(doc.components.schemas).sort();
    expect(names).toEqual(
      [
        'CreatedToken',
        'Deprecation',
        'Errors',
        'Key',
        'Namespace',
        'NewKey',
        'NewNamespace',
        'NewProvider',
        'NewToken',
        'NewVersion',
        'Problem',
        'Provider',
        'Report',
        'Token',
        'UploadedFile',
        'Version',
        'VersionFile',
        'Whoami',
        'Yank',
      ].sort(),
    );
    const version = doc.components.schemas.Version!.properties!;
    expect(version.files).toEqual({ type: 'array', items: { $ref: '#/components/schemas/VersionFile' } });
    expect(version.report).toEqual({ $ref: '#/components/schemas/Report' });
  });

  it('validates with the same rules the client has (one definition)', () => {
    expect(API_SCHEMAS.NewToken.safeParse({ name: 'ci', role: 'read' }).success).toBe(true);
    expect(API_SCHEMAS.NewToken.safeParse({ name: 'c\u0000i', role: 'read' }).success).toBe(false);
  });
});
