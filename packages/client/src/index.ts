// @signet/client — the registry's management API from the outside, and the publish flow the CLI and the Action
// share. No server code: the Action bundles this.
export {
  createRegistryClient,
  RegistryError,
  type Key,
  type Namespace,
  type Provider,
  type RegistryClient,
  type RegistryClientOptions,
  type RegistryErrorEntry,
  type Report,
  type Token,
  type Version,
  type VersionFile,
} from './client';
export {
  publishRelease,
  ReleaseInvalidError,
  type PublishEvent,
  type PublishReleaseOptions,
  type PublishResult,
} from './publish';
