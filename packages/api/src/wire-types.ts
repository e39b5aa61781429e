import type { z } from 'zod';

import type { ApiSchemas } from './schemas';

// The JSON types of the API, derived from its schemas (what arrives, after parsing): no hand-written twin.

type Wire<K extends keyof ApiSchemas> = z.output<ApiSchemas[K]>;

export type ErrorResponse = Wire<'ErrorResponse'>;
export type ErrorEntry = ErrorResponse['errors'][number];
export type Namespace = Wire<'Namespace'>;
export type Token = Wire<'Token'>;
export type CreatedToken = Wire<'CreatedToken'>;
export type Whoami = Wire<'Whoami'>;
export type Key = Wire<'Key'>;
export type Provider = Wire<'Provider'>;
export type VersionFile = Wire<'VersionFile'>;
export type Problem = Wire<'Problem'>;
export type Report = Wire<'Report'>;
export type Version = Wire<'Version'>;
export type UploadedFile = Wire<'UploadedFile'>;
/** What a request sends (before defaults apply). */
export type NewNamespace = z.input<ApiSchemas['NewNamespace']>;
export type NewToken = z.input<ApiSchemas['NewToken']>;
export type NewKey = z.input<ApiSchemas['NewKey']>;
export type NewVersion = z.input<ApiSchemas['NewVersion']>;
