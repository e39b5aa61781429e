// Test and demo helpers, behind the `@signet/core/testing` subpath so production code never loads them.
export { writeExampleProject, type ExampleProject, type ExampleProjectOptions } from './example-project';
export { createFakeExecutable } from './fake-executable';
export { renameZipEntry } from './rename-zip-entry';
export { deflatedZeros, writeRawZip, type RawZipEntry } from './raw-zip';
export { writeSignedRelease, type SignedRelease } from './signed-release';
