// @signet/client — the registry's management API from the outside, and the publish flow the CLI and the Action
// share. No server code: the Action bundles this. Wire types come from @signet/api's schemas.

// Client
export {
  createRegistryClient,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  type Key,
  type Namespace,
  type Problem,
  type Provider,
  type RegistryClient,
  type RegistryClientOptions,
  type Report,
  type Token,
  type Version,
  type VersionFile,
  type Whoami,
} from './client';

// Errors
export { CLIENT_ERROR_CODES, RegistryError, type ClientErrorCode, type RegistryErrorEntry } from './registry-error';
export { API_ERROR_CODES, isApiErrorCode, type ApiErrorCode } from '@signet/api';

// Wire schemas (for `getJson`)
export { API_SCHEMAS } from '@signet/api';

// Publishing
export {
  publishRelease,
  ReleaseInvalidError,
  type PublishEvent,
  type PublishReleaseOptions,
  type PublishResult,
} from './publish';
