// @signet/api — the wire contract of the registry's management API, shared by the server and the client. Only zod:
// nothing of the server comes with it into a client bundle.

// Schemas
export { API_SCHEMAS, createApiSchemas, type ApiSchemas, type NameSchema } from './schemas';
export { lineText, messageText } from './text-fields';
export type * from './wire-types';

// Error codes
export { API_ERROR_CODES, isApiErrorCode, type ApiErrorCode } from './error-codes';
