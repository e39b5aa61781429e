import { describe, expect, expectTypeOf, it } from 'vitest';

import type { PreparedRelease } from '../prepare-release';
import { examplePreparedDocument } from './contract/metadata-store-contract';
import { StoreSchemaError } from './errors';
import { PREPARED_DOCUMENT_VERSION, readPreparedDocument, type PreparedDocument } from './records';

describe('the prepared document', () => {
  it('is the very shape prepare-release.ts builds (a field added there must be added to the schema)', () => {
    expectTypeOf<PreparedRelease>().toEqualTypeOf<PreparedDocument>();
  });

  it('reads a document of the current version as it was written', () => {
    const document = examplePreparedDocument();
    expect(readPreparedDocument('1.0.0', PREPARED_DOCUMENT_VERSION, JSON.parse(JSON.stringify(document)))).toEqual(
      document,
    );
  });

  it('refuses another document version or a document not of its shape, naming the version', () => {
    expect(() => readPreparedDocument('1.0.0', 2, examplePreparedDocument())).toThrow(StoreSchemaError);
    expect(() => readPreparedDocument('1.2.3', 1, { ...examplePreparedDocument(), downloads: [] })).toThrow(
      /"1\.2\.3" to match document version 1/,
    );
  });
});
