import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { isSignetError } from './errors';
import { formatManifest, parseManifest } from './manifest';
import { normalizeProtocols } from './versions';

function errorOf(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isSignetError(error)) return error;
    throw error;
  }
  throw new Error('expected a SignetError, nothing was thrown');
}

describe('formatManifest', () => {
  it('writes the compact manifest, without a trailing newline', () => {
    expect(formatManifest(['6.0'])).toBe('{"version":1,"metadata":{"protocol_versions":["6.0"]}}');
  });

  it('normalises the protocols so equal input gives equal bytes', () => {
    expect(formatManifest(['6', 'v5', '5.0'])).toBe('{"version":1,"metadata":{"protocol_versions":["5.0","6.0"]}}');
  });

  it('refuses an empty or invalid protocol list', () => {
    const empty = errorOf(() => formatManifest([]));
    expect(empty.code).toBe('PROTOCOL_INVALID');
    expect(empty.message).toContain('No protocol versions given');
    const invalid = errorOf(() => formatManifest(['six']));
    expect(invalid.code).toBe('PROTOCOL_INVALID');
    expect(invalid.message).toContain('Invalid protocol version "six"');
  });

  it('writes what parseManifest reads back as the normalised protocols (property)', () => {
    const protocol = fc
      .tuple(fc.constantFrom('', 'v'), fc.nat(99), fc.option(fc.nat(99)))
      .map(([p, a, b]) => `${p}${a}${b === null ? '' : `.${b}`}`);
    fc.assert(
      fc.property(fc.array(protocol, { minLength: 1, maxLength: 5 }), (protocols) => {
        const text = formatManifest(protocols);
        expect(text).not.toMatch(/\s/);
        expect(parseManifest(text)).toEqual({ version: 1, protocols: normalizeProtocols(protocols) });
      }),
    );
  });
});

describe('parseManifest', () => {
  it('reads what formatManifest writes', () => {
    expect(parseManifest(formatManifest(['5.0', '6.0']))).toEqual({ version: 1, protocols: ['5.0', '6.0'] });
  });

  it('reads the pretty-printed terraform-registry-manifest.json that goreleaser copies, with a BOM or loose protocols', () => {
    const pretty =
      '\uFEFF{\n  "version": 1,\n  "metadata": {\n    "protocol_versions": ["6", "v5"]\n  },\n  "extra": true\n}\n';
    expect(parseManifest(pretty)).toEqual({ version: 1, protocols: ['6.0', '5.0'] });
  });

  it.each([
    ['not JSON', '{"version":1,', 'is not valid JSON'],
    ['a list', '[1]', 'is [1], not a JSON object'],
    ['null', 'null', 'is null, not a JSON object'],
    ['version 2', '{"version":2,"metadata":{"protocol_versions":["6.0"]}}', '"version": 2; only version 1 exists'],
    ['version as a string', '{"version":"1","metadata":{"protocol_versions":["6.0"]}}', '"version": "1"'],
    ['no metadata', '{"version":1}', '"metadata.protocol_versions": missing'],
    ['empty protocols', '{"version":1,"metadata":{"protocol_versions":[]}}', '"metadata.protocol_versions": []'],
    ['numeric protocols', '{"version":1,"metadata":{"protocol_versions":[6]}}', '"metadata.protocol_versions": [6]'],
    ['a bad protocol', '{"version":1,"metadata":{"protocol_versions":["6.0.1"]}}', '"6.0.1"'],
  ])('refuses %s with MANIFEST_INVALID and shows the expected form', (_label, text, found) => {
    const error = errorOf(() => parseManifest(text));
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toContain(found);
    expect(error.message).toContain('expected {"version":1,"metadata":{"protocol_versions":["6.0"]}}');
  });
});
