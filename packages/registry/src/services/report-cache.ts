import { createHash } from 'node:crypto';

import { LRUCache } from 'lru-cache';

import type * as S from '../http/api-schemas';
import type { VersionFileRecord, VersionRecord } from '../storage/records';

/** Options of `createReportCache`. */
export interface ReportCacheOptions {
  /** Reports kept. Default 256. */
  maxEntries?: number | undefined;
  /** Bytes of report JSON kept, all entries together. Default 16 MiB. */
  maxBytes?: number | undefined;
}

/**
 * Draft reports by what they depend on: the version's name, protocols and key, and the digest of every file. The
 * same inputs give the same report, so a report is computed once per change of the draft, not once per GET; and
 * concurrent requests for a report being computed share that one computation.
 */
export interface ReportCache {
  /** The cached report for these inputs, or `compute()`'s (then kept); one `compute` per key at a time. */
  get(key: string, compute: () => Promise<S.ReportJson>): Promise<S.ReportJson>;
}

/** The cache key of a draft's report: every input of the validation, hashed. */
export function formatReportKey(
  record: VersionRecord,
  files: readonly VersionFileRecord[],
  keyArmor: string | undefined,
): string {
  const inputs = {
    version: [record.namespace, record.type, record.version],
    protocols: record.protocols,
    keyId: record.keyId,
    key: keyArmor ?? null,
    files: files.map((f) => [f.fileName, f.sha256]).sort(),
  };
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
}

/** A bounded LRU of reports (entries and bytes), with in-flight computations shared. */
export function createReportCache(options: ReportCacheOptions = {}): ReportCache {
  const reports = new LRUCache<string, S.ReportJson>({
    max: options.maxEntries ?? 256,
    maxSize: options.maxBytes ?? 16 * 1024 ** 2,
    sizeCalculation: (report) => Math.max(1, JSON.stringify(report).length),
    // Reports also depend on the clock (a key that expired meanwhile); an hour-old answer is recomputed.
    ttl: 60 * 60 * 1000,
  });
  const computing = new Map<string, Promise<S.ReportJson>>();
  return {
    get(key, compute) {
      const cached = reports.get(key);
      if (cached !== undefined) return Promise.resolve(cached);
      let pending = computing.get(key);
      if (pending === undefined) {
        pending = compute()
          .then((report) => {
            reports.set(key, report);
            return report;
          })
          .finally(() => computing.delete(key));
        computing.set(key, pending);
      }
      return pending;
    },
  };
}
