// Shared by the blob stores' upload loops: see `collectStreamGarbage`.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Bytes streamed between two collections of V8's young generation (`collectStreamGarbage`). */
const YOUNG_GC_EVERY_BYTES = 2 * 1024 * 1024;
let streamedSinceGc = 0;
let collectYoung: (() => void) | undefined;

/**
 * Bounds the garbage a large stream leaves behind. Every chunk of an upload is a fresh buffer outside V8's heap
 * (Node copies each body chunk from the socket, and copies it again into the web stream the app reads), dead as
 * soon as it is written; V8 frees those only when it collects its young generation, which it does on its own only
 * once 32 MiB of such buffers have piled up — whatever `--max-semi-space-size` says. So a 1 GiB upload kept ≈ 40 MiB
 * of dead buffers resident. A young collection (about a third of a millisecond here) every `YOUNG_GC_EVERY_BYTES`
 * keeps that to a few MiB; the S3 store's upload parts are gathered from such chunks too (a 1 GiB upload to S3:
 * peak 219 → 188 MiB). Without `gc` (a runtime that refuses the flag) nothing happens.
 */
export function collectStreamGarbage(bytes: number): void {
  streamedSinceGc += bytes;
  if (streamedSinceGc < YOUNG_GC_EVERY_BYTES) return;
  streamedSinceGc = 0;
  if (collectYoung === undefined) {
    try {
      // `gc` without starting Node with --expose-gc: set the flag, then take `gc` from a fresh context.
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as (options: { type: 'minor'; execution: 'sync' }) => void;
      collectYoung = () => gc({ type: 'minor', execution: 'sync' });
    } catch {
      collectYoung = () => undefined;
    }
  }
  collectYoung();
}
