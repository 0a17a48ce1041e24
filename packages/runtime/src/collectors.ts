// Collectors: application functions polled at scrape time, cached for the catalog's TTL, bounded by a timeout.
// A failing collector never fails the scrape: its metrics are emptied and its success gauge says 0.
import type { CollectorSpec } from './spec.js';

/** One sample a collector reports: the series' labels (omitted for a metric without labels) and its value. */
export interface CollectorSample {
  labels?: Record<string, string>;
  value: number;
}

/** What a collector returns: per metric key, a value (no labels) or samples. */
export type CollectorResult = Record<string, number | readonly CollectorSample[] | undefined>;
export type CollectorFn = () => CollectorResult | Promise<CollectorResult>;

/** A result the exporter can apply: per key, a number or samples with numeric values. Throws TypeError otherwise (the run counts as failed). */
function checkResult(id: string, result: unknown): CollectorResult {
  if (typeof result !== 'object' || result === null) throw new TypeError(`collector ${id} returned ${String(result)}, not an object of values`);
  for (const [key, value] of Object.entries(result)) {
    if (value === undefined || typeof value === 'number') continue;
    if (!Array.isArray(value)) throw new TypeError(`collector ${id}: ${key} is neither a number nor a list of samples`);
    for (const sample of value as unknown[]) {
      if (typeof sample !== 'object' || sample === null || typeof (sample as { value?: unknown }).value !== 'number') {
        throw new TypeError(`collector ${id}: a sample of ${key} has no numeric value`);
      }
    }
  }
  return result as CollectorResult;
}

export class CollectorRunner {
  private last: { at: number; result: CollectorResult } | undefined;
  private inflight: Promise<CollectorResult | undefined> | undefined;
  /** Counts finished runs, good or failed: a metric re-applies its samples only after a new one. */
  runs = 0;

  constructor(
    readonly spec: CollectorSpec,
    private readonly fn: CollectorFn,
    private readonly report: (ok: boolean, seconds: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private refresh(): Promise<CollectorResult | undefined> {
    this.inflight ??= (async () => {
      const start = this.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`collector ${this.spec.id} timed out after ${this.spec.timeoutSeconds}s`)), this.spec.timeoutSeconds * 1000);
        });
        const result = checkResult(this.spec.id, await Promise.race([Promise.resolve().then(this.fn), timeout]));
        this.runs++;
        this.last = { at: this.now(), result };
        this.report(true, (this.now() - start) / 1000);
        return result;
      } catch {
        // Last good values are dropped: stale numbers are worse than none.
        this.runs++;
        this.last = undefined;
        this.report(false, (this.now() - start) / 1000);
        return undefined;
      } finally {
        clearTimeout(timer);
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  /** Fresh cache: served as is. Stale but recent (< 2 TTL): served while a refresh runs. Else: waits. */
  async get(): Promise<CollectorResult | undefined> {
    const ttl = this.spec.ttlSeconds * 1000;
    if (this.last) {
      const age = this.now() - this.last.at;
      if (age < ttl) return this.last.result;
      if (age < 2 * ttl) {
        void this.refresh();
        return this.last.result;
      }
    }
    return this.refresh();
  }
}

