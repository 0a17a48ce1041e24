// Where a preview's data comes from: the live Prometheus' HTTP API, or a snapshot file of its answers recorded
// earlier. Both answer the same requests with Prometheus' own `data` objects, so the page is built the same way.
import { Api } from '../verify/http.js';
import type { PreviewRange } from './client/page-data.js';

export type DataRequest =
  | { kind: 'range'; expr: string }
  | { kind: 'instant'; expr: string }
  | { kind: 'labels'; label: string; match: string }
  | { kind: 'rules' };

export interface DataSource {
  /** Shown on the pages: where the data came from. */
  readonly label: string;
  readonly range: PreviewRange;
  /** Prometheus' `data` for the request; throws with Prometheus' error (or the snapshot's) when there is none. */
  fetch(r: DataRequest): Promise<unknown>;
}

/** One key per request, the same in the recorder and the snapshot reader. */
export function requestKey(r: DataRequest): string {
  switch (r.kind) {
    case 'range':
    case 'instant':
      return `${r.kind} ${r.expr}`;
    case 'labels':
      return `labels ${r.label} ${r.match}`;
    case 'rules':
      return 'rules';
  }
}

/** A time axis ending now: about 240 points, never finer than the fast scrape interval (5 s). */
export function rangeEndingAt(endSeconds: number, durationSeconds: number): PreviewRange {
  const step = Math.max(5, Math.round(durationSeconds / 240));
  // Not aligned down to the step: on a stack started seconds ago, that could end before the first scrape.
  const end = Math.floor(endSeconds);
  return { start: end - Math.floor(durationSeconds / step) * step, end, step };
}

export class PrometheusSource implements DataSource {
  private readonly api: Api;
  readonly label: string;

  private readonly rulesApis: Api[];

  /** `rulesUrls`: the servers whose rules the alerts' states come from (the servers of a topology; a global view has no rules API). Default: `url`. */
  constructor(
    url: string,
    readonly range: PreviewRange,
    rulesUrls: readonly string[] = [url],
    /** What answers at `url`, for the pages: Prometheus, or the global view of a topology (VictoriaMetrics). */
    engine = 'Prometheus',
  ) {
    const base = url.replace(/\/$/, '');
    this.api = new Api(base, '');
    this.rulesApis = rulesUrls.map((u) => new Api(u.replace(/\/$/, ''), ''));
    this.label = `${engine} ${base}`;
  }

  fetch(r: DataRequest): Promise<unknown> {
    const q = (params: Record<string, string | number>) => new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const { start, end, step } = this.range;
    switch (r.kind) {
      case 'range':
        return this.api.prom(`/api/v1/query_range?${q({ query: r.expr, start, end, step })}`);
      case 'instant':
        return this.api.prom(`/api/v1/query?${q({ query: r.expr, time: end })}`);
      case 'labels':
        return this.api.prom(`/api/v1/label/${encodeURIComponent(r.label)}/values?${q({ 'match[]': r.match, start, end })}`);
      case 'rules':
        return Promise.all(this.rulesApis.map((a) => a.prom<{ groups?: unknown[] }>('/api/v1/rules?type=alert'))).then((all) => ({ groups: all.flatMap((d) => d.groups ?? []) }));
    }
  }
}

export const SNAPSHOT_FORMAT = 'devskyy-mon-preview-snapshot';

/** A snapshot file: the range and every answer (or error) Prometheus gave, by request key. */
export interface Snapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: 1;
  recordedAt: string;
  source: string;
  range: PreviewRange;
  answers: Record<string, { data: unknown } | { error: string }>;
}

/** Wraps a source and keeps what it answered, for --record-snapshot. */
export class RecordingSource implements DataSource {
  private readonly answers = new Map<string, { data: unknown } | { error: string }>();

  constructor(private readonly inner: DataSource) {}

  get label(): string {
    return this.inner.label;
  }

  get range(): PreviewRange {
    return this.inner.range;
  }

  async fetch(r: DataRequest): Promise<unknown> {
    try {
      const data = await this.inner.fetch(r);
      this.answers.set(requestKey(r), { data });
      return data;
    } catch (err) {
      this.answers.set(requestKey(r), { error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  snapshot(now = new Date()): Snapshot {
    const answers = Object.fromEntries([...this.answers].sort(([a], [b]) => a.localeCompare(b)));
    return { format: SNAPSHOT_FORMAT, version: 1, recordedAt: now.toISOString(), source: this.inner.label, range: this.range, answers };
  }
}

export class SnapshotError extends Error {}

const isRange = (v: unknown): v is PreviewRange => {
  const r = v as Partial<PreviewRange> | null;
  return typeof r === 'object' && r !== null && [r.start, r.end, r.step].every((n) => typeof n === 'number' && Number.isFinite(n)) && r.step! > 0 && r.end! >= r.start!;
};

/** Reads a snapshot file's text; anything that is not one is refused with what is wrong. */
export function parseSnapshot(text: string, file: string): Snapshot {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new SnapshotError(`${file}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const s = v as Partial<Snapshot> | null;
  if (typeof s !== 'object' || s === null || s.format !== SNAPSHOT_FORMAT) throw new SnapshotError(`${file}: not a preview snapshot (no "format": "${SNAPSHOT_FORMAT}"); record one with devskyy-mon preview --record-snapshot`);
  if (s.version !== 1) throw new SnapshotError(`${file}: snapshot version ${String(s.version)} is not supported (this devskyy-mon reads version 1)`);
  if (!isRange(s.range)) throw new SnapshotError(`${file}: "range" must be {start, end, step} in seconds`);
  if (typeof s.answers !== 'object' || s.answers === null || Array.isArray(s.answers)) throw new SnapshotError(`${file}: "answers" must be an object`);
  return { format: SNAPSHOT_FORMAT, version: 1, recordedAt: String(s.recordedAt ?? ''), source: String(s.source ?? ''), range: s.range, answers: s.answers };
}

export class SnapshotSource implements DataSource {
  readonly label: string;
  readonly range: PreviewRange;

  constructor(private readonly snap: Snapshot) {
    this.label = `snapshot of ${snap.source || 'Prometheus'} recorded ${snap.recordedAt}`;
    this.range = snap.range;
  }

  fetch(r: DataRequest): Promise<unknown> {
    const a = Object.prototype.hasOwnProperty.call(this.snap.answers, requestKey(r)) ? this.snap.answers[requestKey(r)] : undefined;
    if (!a) return Promise.reject(new Error(`not in the snapshot (recorded ${this.snap.recordedAt}); record it again with this catalog`));
    if ('error' in a) return Promise.reject(new Error(a.error));
    return Promise.resolve(a.data);
  }
}
