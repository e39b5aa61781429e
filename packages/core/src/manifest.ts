import { SignetError } from './errors';
import { normalizeProtocols, parseProtocolVersion } from './versions';

const EXAMPLE = '{"version":1,"metadata":{"protocol_versions":["6.0"]}}';

/**
 * The release manifest: `{"version":1,"metadata":{"protocol_versions":["6.0"]}}`, compact, no trailing newline.
 * There is no canonical byte form to copy: goreleaser copies each project's own
 * `terraform-registry-manifest.json` verbatim (usually pretty-printed), and the registry only reads the JSON.
 * Compact output is what HashiCorp's docs show and, above all, the same bytes on every run, so the manifest's
 * line in SHA256SUMS (and its `zh:` in lock files) never changes for the same protocols. The protocols are
 * normalised first (`6` → `"6.0"`, de-duplicated, sorted) for the same reason.
 */
export function formatManifest(protocols: readonly string[]): string {
  return JSON.stringify({ version: 1, metadata: { protocol_versions: normalizeProtocols(protocols) } });
}

/**
 * Parses a manifest; throws `MANIFEST_INVALID` saying what was expected and found. Unknown keys are allowed
 * (the registry ignores them); the protocols are returned normalised, in file order.
 */
export function parseManifest(text: string): { version: 1; protocols: string[] } {
  let data: unknown;
  try {
    // A byte-order mark from a Windows editor is not worth a failed release.
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (cause) {
    throw invalid(`is not valid JSON (${(cause as Error).message})`, { cause });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw invalid(`is ${describe(data)}, not a JSON object`);
  const manifest = data as { version?: unknown; metadata?: unknown };
  if (manifest.version !== 1) throw invalid(`has "version": ${describe(manifest.version)}; only version 1 exists`);
  const metadata = manifest.metadata as { protocol_versions?: unknown } | null | undefined;
  const protocols = typeof metadata === 'object' && metadata !== null ? metadata.protocol_versions : undefined;
  if (!Array.isArray(protocols) || protocols.length === 0 || !protocols.every((p) => typeof p === 'string')) {
    throw invalid(
      `has "metadata.protocol_versions": ${describe(protocols)}; expected a non-empty list of strings such as ["6.0"]`,
    );
  }
  try {
    return { version: 1, protocols: protocols.map((p: string) => parseProtocolVersion(p)) };
  } catch (cause) {
    throw invalid(`has an invalid protocol version: ${(cause as Error).message}`, { cause });
  }
}

function invalid(what: string, options?: { cause: unknown }): SignetError {
  return new SignetError(
    'MANIFEST_INVALID',
    `The manifest ${what}; expected ${EXAMPLE} (regenerate it with signet package).`,
    options,
  );
}

function describe(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}
