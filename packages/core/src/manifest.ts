import { SignetError } from './errors';
import { parseProtocolVersion } from './versions';

/**
 * The release manifest, byte for byte as goreleaser's HashiCorp template writes it: compact JSON, no trailing
 * newline. `{"version":1,"metadata":{"protocol_versions":["6.0"]}}`
 */
export function formatManifest(protocols: readonly string[]): string {
  return JSON.stringify({ version: 1, metadata: { protocol_versions: [...protocols] } });
}

/** Parses a manifest; throws `MANIFEST_INVALID` with what was expected and found. */
export function parseManifest(text: string): { version: 1; protocols: string[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new SignetError(
      'MANIFEST_INVALID',
      `The manifest is not valid JSON (${(cause as Error).message}); expected {"version":1,"metadata":{"protocol_versions":["6.0"]}}.`,
      { cause },
    );
  }
  const manifest = data as { version?: unknown; metadata?: { protocol_versions?: unknown } } | null;
  if (typeof manifest !== 'object' || manifest === null || manifest.version !== 1) {
    throw new SignetError(
      'MANIFEST_INVALID',
      `The manifest has version ${JSON.stringify(manifest?.version)}; expected 1, as in {"version":1,"metadata":{"protocol_versions":["6.0"]}}.`,
    );
  }
  const protocols = manifest.metadata?.protocol_versions;
  if (!Array.isArray(protocols) || protocols.length === 0 || !protocols.every((p) => typeof p === 'string')) {
    throw new SignetError(
      'MANIFEST_INVALID',
      `The manifest's metadata.protocol_versions is ${JSON.stringify(protocols)}; expected a non-empty list such as ["6.0"].`,
    );
  }
  try {
    return { version: 1, protocols: protocols.map((p: string) => parseProtocolVersion(p)) };
  } catch (cause) {
    throw new SignetError('MANIFEST_INVALID', `The manifest's protocol_versions are invalid: ${(cause as Error).message}`, {
      cause,
    });
  }
}
